package secrets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// SecretsManagerAPI is the one Secrets Manager call the source makes;
// *secretsmanager.Client implements it.
type SecretsManagerAPI interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// SecretsManager reads secrets from AWS Secrets Manager (GetSecretValue,
// current version). It is what the functions use in AWS.
type SecretsManager struct {
	client SecretsManagerAPI
}

// NewSecretsManager returns a source reading through client.
func NewSecretsManager(client SecretsManagerAPI) *SecretsManager {
	return &SecretsManager{client: client}
}

// GetSecret returns the secret's string value, or its binary value when it
// has no string. A secret that does not exist is ErrNotFound.
func (s *SecretsManager) GetSecret(ctx context.Context, name string) ([]byte, error) {
	out, err := s.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(name)})
	if err != nil {
		var nf *types.ResourceNotFoundException
		if errors.As(err, &nf) {
			return nil, fmt.Errorf("secrets: %s: %w", name, ErrNotFound)
		}
		return nil, fmt.Errorf("secrets: get %s: %w", name, err)
	}
	if out.SecretString != nil {
		return []byte(*out.SecretString), nil
	}
	if out.SecretBinary != nil {
		return out.SecretBinary, nil
	}
	return nil, fmt.Errorf("secrets: %s has no value", name)
}

// Static is an in-memory source: the local run's and the tests' stand-in for
// Secrets Manager, which a local run does not have. It is safe for
// concurrent use; Set replaces a value (a rotation, in a test).
type Static struct {
	mu     sync.RWMutex
	values map[string][]byte
}

// NewStatic returns a source holding a copy of values.
func NewStatic(values map[string][]byte) *Static {
	s := &Static{values: make(map[string][]byte, len(values))}
	for k, v := range values {
		s.values[k] = append([]byte(nil), v...)
	}
	return s
}

// GetSecret returns a copy of the value, or ErrNotFound.
func (s *Static) GetSecret(ctx context.Context, name string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	v, ok := s.values[name]
	if !ok {
		return nil, fmt.Errorf("secrets: %s: %w", name, ErrNotFound)
	}
	return append([]byte(nil), v...), nil
}

// Set stores value under name.
func (s *Static) Set(name string, value []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.values[name] = append([]byte(nil), value...)
}

// SetJSON stores v, encoded as JSON, under name.
func (s *Static) SetJSON(name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("secrets: encode %s: %w", name, err)
	}
	s.Set(name, b)
	return nil
}
