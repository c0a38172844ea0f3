// Package cdkjson reads the project's cdk.json, so that the CDK app run
// directly (`go run ./infra`) and the stack's tests see the same context and
// output folder as `cdk synth`.
//
// The CDK CLI passes cdk.json's context to the app through the environment;
// an app started without the CLI gets none. Handing Config.Context to
// awscdk.AppProps.Context fills that gap: the App treats it as defaults, so
// context from the CLI (cdk.context.json, `-c key=value`) still wins.
package cdkjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// FileName is the name of the CDK CLI's project file.
const FileName = "cdk.json"

// Config is the part of cdk.json the app uses.
type Config struct {
	// Dir is the folder holding cdk.json.
	Dir string
	// Output is the cloud assembly folder, relative to Dir ("cdk.out" when
	// cdk.json names none, as the CLI does).
	Output string
	// Context is cdk.json's "context" object.
	Context map[string]any
}

// OutputDir returns the cloud assembly folder as a path usable from the
// current directory.
func (c Config) OutputDir() string {
	if filepath.IsAbs(c.Output) {
		return c.Output
	}
	return filepath.Join(c.Dir, c.Output)
}

// Find reads the cdk.json in dir or in the nearest folder above it.
func Find(dir string) (Config, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Config{}, err
	}
	for d := abs; ; {
		cfg, err := Read(filepath.Join(d, FileName))
		if !errors.Is(err, fs.ErrNotExist) {
			return cfg, err
		}
		parent := filepath.Dir(d)
		if parent == d {
			return Config{}, fmt.Errorf("no %s in %s or any folder above it", FileName, abs)
		}
		d = parent
	}
}

// Read reads the cdk.json at path.
func Read(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, err
	}
	var raw struct {
		Output  string         `json:"output"`
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	cfg := Config{Dir: filepath.Dir(path), Output: raw.Output, Context: raw.Context}
	if cfg.Output == "" {
		cfg.Output = "cdk.out"
	}
	if cfg.Context == nil {
		cfg.Context = map[string]any{}
	}
	return cfg, nil
}
