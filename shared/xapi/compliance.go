package xapi

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/michimani/gotwi"

	"github.com/acme/twitter-cases/shared/casework"
)

// X's batch compliance endpoints (app bearer token only).
const (
	complianceJobsEndpoint = "https://api.twitter.com/2/compliance/jobs"
	complianceJobEndpoint  = "https://api.twitter.com/2/compliance/jobs/:id"
)

type complianceJobJSON struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	Status      string `json:"status"`
	UploadURL   string `json:"upload_url"`
	DownloadURL string `json:"download_url"`
}

func (j *complianceJobJSON) job() casework.ComplianceJob {
	return casework.ComplianceJob{ID: j.ID, Type: j.Type, Status: j.Status, UploadURL: j.UploadURL, DownloadURL: j.DownloadURL}
}

// CreateComplianceJob creates a batch compliance job of typ (tweets or
// users) named name (POST /2/compliance/jobs, bearer token). X allows one
// job of a type at a time: a second is refused until the first ends.
func (c *Client) CreateComplianceJob(ctx context.Context, typ, name string) (casework.ComplianceJob, error) {
	var res struct {
		Data *complianceJobJSON `json:"data"`
		partialErrors
	}
	err := c.doApp(ctx, "create compliance job", func(ctx context.Context, gc *gotwi.Client) error {
		if err := gc.CallAPI(ctx, complianceJobsEndpoint, "POST", &params{body: map[string]string{"type": typ, "name": name}}, &res); err != nil {
			return err
		}
		if res.Data == nil || res.Data.ID == "" {
			return partialError("create compliance job", res.Errors)
		}
		return nil
	})
	if err != nil {
		return casework.ComplianceJob{}, err
	}
	return res.Data.job(), nil
}

// GetComplianceJob reads a job's status and URLs (GET /2/compliance/jobs/:id).
func (c *Client) GetComplianceJob(ctx context.Context, id string) (casework.ComplianceJob, error) {
	var res struct {
		Data *complianceJobJSON `json:"data"`
		partialErrors
	}
	err := c.doApp(ctx, "get compliance job", func(ctx context.Context, gc *gotwi.Client) error {
		if err := gc.CallAPI(ctx, complianceJobEndpoint, "GET", &params{path: map[string]string{"id": id}}, &res); err != nil {
			return err
		}
		if res.Data == nil || res.Data.ID == "" {
			return partialError("get compliance job", res.Errors)
		}
		return nil
	})
	if err != nil {
		return casework.ComplianceJob{}, err
	}
	return res.Data.job(), nil
}

// transferClient is the client of the upload and download URLs: X's
// pre-signed storage URLs need no credentials, and a large transfer has
// only the context's deadline.
func (c *Client) transferClient() *http.Client {
	hc := *c.http
	hc.Timeout = 0
	return &hc
}

// UploadComplianceIDs PUTs the ids read from body (one per line) to a job's
// upload_url, streaming: nothing is held in memory.
func (c *Client) UploadComplianceIDs(ctx context.Context, uploadURL string, body io.Reader) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, uploadURL, body)
	if err != nil {
		return fmt.Errorf("xapi: upload compliance ids: %w", err)
	}
	req.Header.Set("Content-Type", "text/plain")
	start := time.Now()
	resp, err := c.transferClient().Do(req)
	if err != nil {
		return fmt.Errorf("xapi: upload compliance ids: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	c.log.Debug("x call", "op", "upload compliance ids", "status", resp.StatusCode, "ms", time.Since(start).Milliseconds())
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("xapi: upload compliance ids: status %d", resp.StatusCode)
	}
	return nil
}

// DownloadComplianceResults reads a complete job's results from its
// download_url, one JSON object a line, calling each with every one.
func (c *Client) DownloadComplianceResults(ctx context.Context, downloadURL string, each func(casework.ComplianceResult) error) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, downloadURL, nil)
	if err != nil {
		return fmt.Errorf("xapi: download compliance results: %w", err)
	}
	resp, err := c.transferClient().Do(req)
	if err != nil {
		return fmt.Errorf("xapi: download compliance results: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("xapi: download compliance results: status %d", resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for line := 1; sc.Scan(); line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var r struct {
			ID         string `json:"id"`
			Action     string `json:"action"`
			Reason     string `json:"reason"`
			CreatedAt  string `json:"created_at"`
			RedactedAt string `json:"redacted_at"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return fmt.Errorf("xapi: compliance results line %d: %w", line, err)
		}
		res := casework.ComplianceResult{ID: r.ID, Action: r.Action, Reason: r.Reason}
		res.CreatedAt, _ = time.Parse(time.RFC3339, r.CreatedAt)
		res.RedactedAt, _ = time.Parse(time.RFC3339, r.RedactedAt)
		if err := each(res); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("xapi: download compliance results: %w", err)
	}
	return nil
}
