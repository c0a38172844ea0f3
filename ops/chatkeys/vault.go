package chatkeys

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/acme/twitter-cases/shared/secrets"
)

// SecretsManagerAPI is the Secrets Manager calls provisioning makes;
// *secretsmanager.Client implements it.
type SecretsManagerAPI interface {
	secrets.SecretsManagerAPI
	CreateSecret(ctx context.Context, in *secretsmanager.CreateSecretInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.CreateSecretOutput, error)
	PutSecretValue(ctx context.Context, in *secretsmanager.PutSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.PutSecretValueOutput, error)
}

// SecretsManagerVault keeps key secrets in AWS Secrets Manager: a new
// version of an existing secret, or a new secret.
type SecretsManagerVault struct {
	Client SecretsManagerAPI
}

// GetSecret reads the secret's current value.
func (v SecretsManagerVault) GetSecret(ctx context.Context, name string) ([]byte, error) {
	return secrets.NewSecretsManager(v.Client).GetSecret(ctx, name)
}

// PutSecret writes value as the secret's new current version, creating
// the secret when it does not exist.
func (v SecretsManagerVault) PutSecret(ctx context.Context, name string, value []byte) error {
	_, err := v.Client.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(name), SecretString: aws.String(string(value))})
	var nf *smtypes.ResourceNotFoundException
	if errors.As(err, &nf) {
		_, err = v.Client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(string(value)),
			Description: aws.String("X Chat keys of a brand handle (exported private keys and their registered version); written by make x-chat-keys")})
	}
	return err
}

// FileVault keeps key secrets in one file, readable by its owner only: the
// local run's stand-in for Secrets Manager, so a brand handle's keys
// survive a restart of make dev (as X, the simulator, keeps the public
// half). It is also a secrets.Source.
type FileVault struct {
	path string
	mu   sync.Mutex
}

// NewFileVault returns a vault in the file at path (created on first write).
func NewFileVault(path string) *FileVault { return &FileVault{path: path} }

func (v *FileVault) load() (map[string]string, error) {
	b, err := os.ReadFile(v.path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("chatkeys: %s is not a JSON object", v.path)
	}
	return m, nil
}

// GetSecret returns the named secret, or secrets.ErrNotFound.
func (v *FileVault) GetSecret(ctx context.Context, name string) ([]byte, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	m, err := v.load()
	if err != nil {
		return nil, err
	}
	s, ok := m[name]
	if !ok {
		return nil, fmt.Errorf("chatkeys: %s: %w", name, secrets.ErrNotFound)
	}
	return []byte(s), nil
}

// PutSecret writes the named secret (the file replaced whole, mode 0600).
func (v *FileVault) PutSecret(ctx context.Context, name string, value []byte) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	m, err := v.load()
	if err != nil {
		return err
	}
	m[name] = string(value)
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(v.path), 0o700); err != nil {
		return err
	}
	tmp := v.path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, v.path)
}
