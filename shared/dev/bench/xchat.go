package bench

import (
	"context"
	"encoding/base64"
	"fmt"
	"runtime"
	"time"

	"github.com/acme/twitter-cases/shared/xchat"
)

// XChatResult is X's chat engine hosted in Go (shared/xchat, issue 20):
// its cold load and per-message costs under wazero's compiler, which Load
// uses, each against the interpreter, and a Chat's memory.
type XChatResult struct {
	// LoadMS are cold loads, in ms: compile the module, instantiate a Chat,
	// import a key blob; compiler and interpreter, round by round.
	LoadMS, LoadInterpMS []float64
	// EncryptMS and DecryptMS are one message's encrypt-and-sign and
	// decrypt-and-verify, in ms, compiler; the Interp ones the same under
	// the interpreter (fewer samples: each takes about a second).
	EncryptMS, DecryptMS, EncryptInterpMS, DecryptInterpMS []float64
	// ChatWasmBytes is one Chat's wasm memory after the messages;
	// ChatHeapBytes the Go heap one Chat adds (instance, tables, host), by
	// making several.
	ChatWasmBytes, ChatHeapBytes float64
}

// measureXChat measures the engine's rows: rounds cold loads of each kind,
// messages encrypt/decrypt pairs under the compiler and interpMessages
// under the interpreter.
func measureXChat(ctx context.Context, rounds, messages, interpMessages int, progress func(string)) (XChatResult, error) {
	var res XChatResult
	// A key blob and a conversation, made once.
	setup, err := xchat.Compile(ctx, xchat.CompileOptions{})
	if err != nil {
		return res, err
	}
	defer setup.Close(ctx)
	brand, err := benchParty(ctx, setup, "1000000000000000001")
	if err != nil {
		return res, err
	}
	customer, err := benchParty(ctx, setup, "2000000000000000002")
	if err != nil {
		return res, err
	}
	blob, err := brand.chat.ExportKeys(ctx)
	if err != nil {
		return res, err
	}
	change, err := brand.chat.PrepareConversationKeyChange(ctx, xchat.KeyChangeParams{PublicKeys: []xchat.PublicKeyInput{brand.publicKey(), customer.publicKey()}})
	if err != nil {
		return res, err
	}

	for i := range rounds {
		progress(fmt.Sprintf("xchat: cold load %d of %d (compiler, then interpreter)", i+1, rounds))
		for _, interp := range []bool{false, true} {
			d, err := coldLoad(ctx, interp, blob, brand.reg.Version)
			if err != nil {
				return res, err
			}
			if interp {
				res.LoadInterpMS = append(res.LoadInterpMS, d)
			} else {
				res.LoadMS = append(res.LoadMS, d)
			}
		}
	}

	for _, interp := range []bool{false, true} {
		n := messages
		if interp {
			n = interpMessages
		}
		progress(fmt.Sprintf("xchat: %d messages encrypted and decrypted (interpreter: %v)", n, interp))
		enc, dec, wasm, err := messageCosts(ctx, interp, brand, customer, change, n)
		if err != nil {
			return res, err
		}
		if interp {
			res.EncryptInterpMS, res.DecryptInterpMS = enc, dec
		} else {
			res.EncryptMS, res.DecryptMS, res.ChatWasmBytes = enc, dec, float64(wasm)
		}
	}

	progress("xchat: memory per Chat")
	const chats = 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var made []*xchat.Chat
	for range chats {
		c, err := setup.NewChat(ctx)
		if err != nil {
			return res, err
		}
		if err := c.ImportKeys(ctx, blob, brand.reg.Version); err != nil {
			return res, err
		}
		made = append(made, c)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	res.ChatHeapBytes = float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / chats
	for _, c := range made {
		c.Close(ctx)
	}
	return res, nil
}

// benchUser is a user with its Chat and registration.
type benchUser struct {
	id   string
	chat *xchat.Chat
	reg  xchat.Registration
}

func benchParty(ctx context.Context, e *xchat.Engine, id string) (benchUser, error) {
	c, err := e.NewChat(ctx)
	if err != nil {
		return benchUser{}, err
	}
	reg, err := c.GenerateKeypairs(ctx)
	if err != nil {
		return benchUser{}, err
	}
	return benchUser{id: id, chat: c, reg: reg}, c.SetIdentity(ctx, id, reg.Version)
}

func (u benchUser) publicKey() xchat.PublicKeyInput {
	return xchat.PublicKeyInput{UserID: u.id, PublicKey: u.reg.PublicKey.PublicKey, KeyVersion: u.reg.Version}
}

func (u benchUser) signingKey() xchat.SigningKey {
	return xchat.SigningKey{UserID: u.id, PublicKeyVersion: u.reg.Version, PublicKey: u.reg.PublicKey.SigningPublicKey,
		IdentityPublicKey: u.reg.PublicKey.PublicKey, IdentityPublicKeySignature: u.reg.PublicKey.IdentityPublicKeySignature}
}

// coldLoad is what a DM worker's first message pays: compile, instantiate,
// import the handle's keys.
func coldLoad(ctx context.Context, interp bool, blob []byte, version string) (float64, error) {
	start := time.Now()
	e, err := xchat.Compile(ctx, xchat.CompileOptions{Interpreter: interp})
	if err != nil {
		return 0, err
	}
	defer e.Close(ctx)
	c, err := e.NewChat(ctx)
	if err != nil {
		return 0, err
	}
	if err := c.ImportKeys(ctx, append([]byte(nil), blob...), version); err != nil {
		return 0, err
	}
	return since(start), nil
}

// messageCosts times n messages from the brand's keys (imported into a new
// engine of the kind asked) decrypted by the customer's keys in the same
// engine, both wrapped as X delivers them.
func messageCosts(ctx context.Context, interp bool, brand, customer benchUser, change xchat.PreparedConversationChange, n int) (enc, dec []float64, wasm uint32, err error) {
	e, err := xchat.Compile(ctx, xchat.CompileOptions{Interpreter: interp})
	if err != nil {
		return nil, nil, 0, err
	}
	defer e.Close(ctx)
	load := func(u benchUser) (*xchat.Chat, error) {
		blob, err := u.chat.ExportKeys(ctx)
		if err != nil {
			return nil, err
		}
		c, err := e.NewChat(ctx)
		if err != nil {
			return nil, err
		}
		if err := c.ImportKeys(ctx, blob, u.reg.Version); err != nil {
			return nil, err
		}
		return c, c.SetIdentity(ctx, u.id, u.reg.Version)
	}
	sender, err := load(brand)
	if err != nil {
		return nil, nil, 0, err
	}
	reader, err := load(customer)
	if err != nil {
		return nil, nil, 0, err
	}
	keys := xchat.ConversationKeys{change.ConversationKeyVersion: change.ConversationKey}
	signing := []xchat.SigningKey{brand.signingKey(), customer.signingKey()}
	for i := range n + 1 { // the first is a warm-up
		start := time.Now()
		p, err := sender.EncryptMessage(ctx, xchat.EncryptParams{ConversationID: change.ConversationID, Text: "Hello, how can we help with your order?",
			ConversationKey: change.ConversationKey, ConversationKeyVersion: change.ConversationKeyVersion})
		if err != nil {
			return nil, nil, 0, err
		}
		de := since(start)
		ev, err := xchatEnvelope(int64(i+1), p, brand.id, change.ConversationID)
		if err != nil {
			return nil, nil, 0, err
		}
		start = time.Now()
		out, err := reader.DecryptEvent(ctx, ev, keys, signing)
		if err != nil {
			return nil, nil, 0, err
		}
		dd := since(start)
		if !out.Verified || out.Content == nil {
			return nil, nil, 0, fmt.Errorf("bench: xchat decrypted an unverified or empty message")
		}
		if i > 0 {
			enc, dec = append(enc, de), append(dec, dd)
		}
	}
	return enc, dec, reader.MemoryBytes(), nil
}

// xchatEnvelope wraps a posted message as X delivers it: a Thrift
// MessageEvent (binary protocol) with the MessageCreateEvent as its detail
// and the posted signature (spec/XCHAT.md, last section).
func xchatEnvelope(seq int64, p xchat.SendPayload, sender, conv string) (string, error) {
	var b []byte
	var bad error
	str := func(id byte, s string) {
		b = append(b, 11, 0, id, byte(len(s)>>24), byte(len(s)>>16), byte(len(s)>>8), byte(len(s)))
		b = append(b, s...)
	}
	raw := func(id byte, s string) {
		d, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			bad = fmt.Errorf("bench: xchat payload field %d: %w", id, err)
		}
		b = append(b, 12, 0, id)
		b = append(b, d...)
	}
	str(1, fmt.Sprint(seq))
	str(2, p.MessageID)
	str(3, sender)
	str(4, conv)
	str(6, fmt.Sprint(time.Now().UnixMilli()))
	b = append(b, 12, 0, 7) // detail: MessageEventDetail{1: MessageCreateEvent}
	raw(1, p.EncryptedContent)
	b = append(b, 0)
	raw(9, p.EncodedEventSignature)
	b = append(b, 0)
	return base64.StdEncoding.EncodeToString(b), bad
}
