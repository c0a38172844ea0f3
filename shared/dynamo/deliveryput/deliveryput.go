// Package deliveryput keeps the parts of a webhook delivery too large for a
// queue message (shared/claimcheck) in the table, as shared/dynamo does,
// with signed PutItem calls over DynamoDB's JSON protocol instead of the
// SDK's DynamoDB client: the webhook writes this one kind of item, and the
// client would be linked for the rare delivery that needs it (measured with
// make bench: the webhook's zip 3.45 MB with the client, 3.24 MB without;
// the zip before it kept deliveries, 3.21 MB). The items
// are shared/dynamo's (its DeliveryParts reads them; the tests check both
// ways), and the webhook's IAM policy allows PutItem under
// table.DeliveryPrefix alone.
package deliveryput

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/acme/twitter-cases/shared/claimcheck"
	"github.com/acme/twitter-cases/shared/table"
)

// attempts is how often one PutItem is tried when DynamoDB answers with a
// fault or a throttle, or not at all.
const attempts = 3

// Store puts delivery parts into a table.
type Store struct {
	cfg      aws.Config
	endpoint string
	table    string
	http     *http.Client
	signer   *v4.Signer
}

// New returns a store of the table tableName, through the SDK
// configuration's credentials and region, at endpoint ("" is DynamoDB's in
// the configuration's region).
func New(cfg aws.Config, endpoint, tableName string) *Store {
	if endpoint == "" {
		endpoint = "https://dynamodb." + cfg.Region + ".amazonaws.com"
	}
	return &Store{cfg: cfg, endpoint: strings.TrimSuffix(endpoint, "/") + "/", table: tableName,
		http: &http.Client{Timeout: 10 * time.Second}, signer: v4.NewSigner()}
}

// PutDeliveryParts implements claimcheck.Store: one PutItem per part, the
// item shared/dynamo's DeliveryParts reads.
func (s *Store) PutDeliveryParts(ctx context.Context, id string, parts [][]byte, expires time.Time) error {
	for i, p := range parts {
		item := map[string]any{
			"TableName": s.table,
			"Item": map[string]any{
				table.PK:  map[string]string{"S": table.DeliveryPrefix + id},
				table.SK:  map[string]string{"S": fmt.Sprintf("PART#%04d", i)},
				"data":    map[string]string{"B": base64.StdEncoding.EncodeToString(p)},
				table.TTL: map[string]string{"N": strconv.FormatInt(expires.Unix(), 10)},
			},
		}
		if err := s.call(ctx, "PutItem", item); err != nil {
			return fmt.Errorf("deliveryput: part %d of %d of delivery %s: %w", i+1, len(parts), id, err)
		}
	}
	return nil
}

// DeliveryParts is not this store's: the inbound worker reads the parts
// with shared/dynamo.
func (s *Store) DeliveryParts(context.Context, string, int) ([][]byte, error) {
	return nil, errors.New("deliveryput: writes only; read kept deliveries with shared/dynamo")
}

var _ claimcheck.Store = (*Store)(nil)

// call makes one DynamoDB call with its JSON input, retrying faults.
func (s *Store) call(ctx context.Context, op string, in any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	var last error
	for try := range attempts {
		if try > 0 {
			select {
			case <-ctx.Done():
				return errors.Join(last, ctx.Err())
			case <-time.After(time.Duration(50<<(2*try)) * time.Millisecond):
			}
		}
		retry, err := s.send(ctx, op, body, hex.EncodeToString(sum[:]))
		if err == nil {
			return nil
		}
		if last = err; !retry {
			return err
		}
	}
	return last
}

// send makes one signed request and says whether its failure may pass.
func (s *Store) send(ctx context.Context, op string, body []byte, payloadHash string) (retry bool, err error) {
	creds, err := s.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return false, fmt.Errorf("credentials: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint, bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	if err := s.signer.SignHTTP(ctx, creds, req, payloadHash, "dynamodb", s.cfg.Region, time.Now().UTC()); err != nil {
		return false, fmt.Errorf("sign: %w", err)
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return true, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode == http.StatusOK {
		return false, nil
	}
	var e struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
		Msg     string `json:"Message"`
	}
	_ = json.Unmarshal(b, &e)
	kind := e.Type[strings.LastIndex(e.Type, "#")+1:]
	retry = resp.StatusCode >= 500 || kind == "ThrottlingException" || kind == "ProvisionedThroughputExceededException" ||
		kind == "RequestLimitExceeded"
	return retry, fmt.Errorf("%s: %d %s: %s", op, resp.StatusCode, kind, e.Message+e.Msg)
}
