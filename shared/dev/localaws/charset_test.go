package localaws

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/acme/twitter-cases/shared/queues"
)

// sqsAllowed are the characters SQS takes in a message body (SendMessage,
// "MessageBody"): #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD |
// #x10000 to #x10FFFF.
var sqsAllowed = [][2]rune{{0x9, 0x9}, {0xA, 0xA}, {0xD, 0xD}, {0x20, 0xD7FF}, {0xE000, 0xFFFD}, {0x10000, 0x10FFFF}}

// TestSQSTakesWhatSQSTakes sends every character SQS allows through the
// local queue, in bodies of about 200 kB, and gets each body back
// unchanged; each character SQS refuses is refused with SQS's
// InvalidMessageContents, alone and in a batch. fauxqs 1.9.2 refused
// everything above U+FFFF (emoji), which SQS takes; patches/ fixes it.
func TestSQSTakesWhatSQSTakes(t *testing.T) {
	ctx := context.Background()
	srv, err := StartSQS(ctx, Options{LogDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	client := SQSClient(srv.Endpoint)
	urls, err := EnsureQueues(ctx, client, "charset-", queues.Definitions)
	if err != nil {
		t.Fatal(err)
	}
	url := urls[queues.Inbound.Name]

	var body strings.Builder
	sent, chunks := 0, 0
	flush := func() {
		if body.Len() == 0 {
			return
		}
		want := body.String()
		body.Reset()
		chunks++
		first, _ := utf8.DecodeRuneInString(want)
		if _, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: &want}); err != nil {
			t.Fatalf("body %d (from U+%04X) refused: %v", chunks, first, err)
		}
		out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 1, WaitTimeSeconds: 2})
		if err != nil || len(out.Messages) != 1 {
			t.Fatalf("body %d: received %v, %v", chunks, out, err)
		}
		if got := aws.ToString(out.Messages[0].Body); got != want {
			t.Fatalf("body %d (from U+%04X) came back changed (%d bytes, sent %d)", chunks, first, len(got), len(want))
		}
		if _, err := client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: out.Messages[0].ReceiptHandle}); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range sqsAllowed {
		for c := r[0]; c <= r[1]; c++ {
			body.WriteRune(c)
			sent++
			if body.Len() >= 200_000 {
				flush()
			}
		}
		flush() // each range in bodies of its own, so a refusal names it
	}
	if want := 0x10FFFF + 1 - 0x20 - 0x800 /* surrogates */ - 2 /* U+FFFE, U+FFFF */ + 3; sent != want {
		t.Fatalf("sent %d characters, SQS allows %d", sent, want)
	}
	t.Logf("%d characters in %d bodies came back unchanged", sent, chunks)

	// A customer's Tweet, as the webhook queues it.
	tweet := `{"text":"@AcmeSupport thanks 🙂"}`
	if _, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: &tweet}); err != nil {
		t.Fatalf("a Tweet with an emoji: %v", err)
	}

	// Refused: the C0 controls but tab, newline and carriage return, and
	// U+FFFE and U+FFFF (each valid UTF-8, so the SDK sends them).
	var refused []rune
	for c := rune(0); c < 0x20; c++ {
		if c != 0x9 && c != 0xA && c != 0xD {
			refused = append(refused, c)
		}
	}
	refused = append(refused, 0xFFFE, 0xFFFF)
	for _, c := range refused {
		b := "ok " + string(c) + " 🙂"
		_, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: &b})
		var apiErr smithy.APIError
		if !errors.As(err, &apiErr) || !strings.HasSuffix(apiErr.ErrorCode(), "InvalidMessageContents") {
			t.Errorf("U+%04X: err = %v, want InvalidMessageContents", c, err)
		}
	}
	// A batch refuses the bad entry alone.
	good, bad := "thanks 🙂", "bad \uFFFF"
	out, err := client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: []sqstypes.SendMessageBatchRequestEntry{
		{Id: aws.String("good"), MessageBody: &good}, {Id: aws.String("bad"), MessageBody: &bad}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Successful) != 1 || aws.ToString(out.Successful[0].Id) != "good" ||
		len(out.Failed) != 1 || !strings.HasSuffix(aws.ToString(out.Failed[0].Code), "InvalidMessageContents") {
		t.Errorf("batch: successful %+v, failed %+v; want the emoji taken and U+FFFF refused", out.Successful, out.Failed)
	}

	// A lone surrogate is no character at all: JSON can carry one as an
	// escape (Go's encoder cannot), and SQS refuses it.
	for _, s := range []string{`\ud83d`, `\ude42`, `\udbff x`, `x \udc00`} {
		if code := rawSend(t, srv.Endpoint, url, `a `+s+` b`); code != "InvalidMessageContents" {
			t.Errorf("lone surrogate %s: error code %q, want InvalidMessageContents", s, code)
		}
	}
	if code := rawSend(t, srv.Endpoint, url, `thanks \ud83d\ude42`); code != "" {
		t.Errorf("an emoji as a JSON surrogate pair: error code %q, want it taken", code)
	}
}

// rawSend sends SendMessage as raw JSON, bodyJSON written into the JSON
// string as is, and returns the error code ("" when the message was taken).
func rawSend(t *testing.T, endpoint, queueURL, bodyJSON string) string {
	t.Helper()
	req, err := http.NewRequest("POST", endpoint+"/", strings.NewReader(fmt.Sprintf(`{"QueueUrl":%q,"MessageBody":"%s"}`, queueURL, bodyJSON)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "AmazonSQS.SendMessage")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == 200 {
		return ""
	}
	s := string(b)
	if i := strings.Index(s, "InvalidMessageContents"); i >= 0 {
		return "InvalidMessageContents"
	}
	return fmt.Sprintf("%d %s", resp.StatusCode, s)
}
