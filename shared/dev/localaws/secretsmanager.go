package localaws

import (
	"encoding/json"
	"errors"
	"net/http"
	"sync"

	"github.com/acme/twitter-cases/shared/secrets"
)

// SecretsManager is a stand-in for AWS Secrets Manager's one call the
// functions make (GetSecretValue, JSON 1.1 protocol), answering from src.
// Point a function's SDK at it with AWS_ENDPOINT_URL_SECRETS_MANAGER so the
// function reads credentials through its own Secrets Manager path, as in
// AWS. It counts the reads of each secret.
type SecretsManager struct {
	src     secrets.Source
	mu      sync.Mutex
	read    map[string]int
	written []string
}

// NewSecretsManager returns a stand-in serving the secrets of src; serve it
// with httptest.NewServer.
func NewSecretsManager(src secrets.Source) *SecretsManager {
	return &SecretsManager{src: src, read: map[string]int{}}
}

// ServeHTTP answers GetSecretValue with the secret's string value; a secret
// src does not hold is ResourceNotFoundException and any other operation
// UnknownOperationException, as Secrets Manager answers.
func (s *SecretsManager) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	fail := func(status int, typ, msg string) {
		w.Header().Set("X-Amzn-ErrorType", typ)
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
	}
	target := r.Header.Get("X-Amz-Target")
	if target == "secretsmanager.PutSecretValue" || target == "secretsmanager.CreateSecret" {
		s.write(w, r, target, fail)
		return
	}
	if target != "secretsmanager.GetSecretValue" {
		fail(http.StatusBadRequest, "UnknownOperationException", "only GetSecretValue, PutSecretValue and CreateSecret are served here")
		return
	}
	var in struct{ SecretId string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		fail(http.StatusBadRequest, "InvalidRequestException", err.Error())
		return
	}
	s.mu.Lock()
	s.read[in.SecretId]++
	s.mu.Unlock()
	v, err := s.src.GetSecret(r.Context(), in.SecretId)
	switch {
	case errors.Is(err, secrets.ErrNotFound):
		fail(http.StatusBadRequest, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
		return
	case err != nil:
		fail(http.StatusInternalServerError, "InternalServiceError", err.Error())
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{
		"ARN":  "arn:aws:secretsmanager:" + Region + ":000000000000:secret:" + in.SecretId + "-AbCdEf",
		"Name": in.SecretId, "SecretString": string(v), "VersionId": "1", "VersionStages": []string{"AWSCURRENT"},
		"CreatedDate": 1.7e9,
	})
}

// writable is a source whose secrets can be written (secrets.Static).
type writable interface {
	secrets.Source
	Set(name string, value []byte)
}

// write answers PutSecretValue (a new current value of an existing secret)
// and CreateSecret (a new secret), as Secrets Manager does, when the source
// can be written (the operators' tools' tests); otherwise the operations
// are unknown, as for the functions, which never write.
func (s *SecretsManager) write(w http.ResponseWriter, r *http.Request, target string, fail func(int, string, string)) {
	src, ok := s.src.(writable)
	if !ok {
		fail(http.StatusBadRequest, "UnknownOperationException", "this stand-in serves reads only")
		return
	}
	var in struct{ SecretId, Name, SecretString string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		fail(http.StatusBadRequest, "InvalidRequestException", err.Error())
		return
	}
	name := in.SecretId
	if target == "secretsmanager.CreateSecret" {
		name = in.Name
	}
	_, err := src.GetSecret(r.Context(), name)
	exists := err == nil
	switch {
	case err != nil && !errors.Is(err, secrets.ErrNotFound):
		fail(http.StatusInternalServerError, "InternalServiceError", err.Error())
		return
	case target == "secretsmanager.PutSecretValue" && !exists:
		fail(http.StatusBadRequest, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
		return
	case target == "secretsmanager.CreateSecret" && exists:
		fail(http.StatusBadRequest, "ResourceExistsException", "The operation failed because the secret "+name+" already exists.")
		return
	}
	src.Set(name, []byte(in.SecretString))
	s.mu.Lock()
	s.written = append(s.written, name)
	s.mu.Unlock()
	_ = json.NewEncoder(w).Encode(map[string]any{
		"ARN":  "arn:aws:secretsmanager:" + Region + ":000000000000:secret:" + name + "-AbCdEf",
		"Name": name, "VersionId": "2", "VersionStages": []string{"AWSCURRENT"},
	})
}

// Written returns the names of the secrets written, in order.
func (s *SecretsManager) Written() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.written...)
}

// Reads returns how often the named secret has been asked for.
func (s *SecretsManager) Reads(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.read[name]
}
