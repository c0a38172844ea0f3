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
	// VersionReporting, PathMetadata and AssetMetadata are cdk.json's
	// settings of the same names (the CLI's defaults, true, when absent).
	VersionReporting, PathMetadata, AssetMetadata bool
}

// Context keys the CDK CLI adds to cdk.json's context for the app (see
// AppContext).
const (
	PathMetadataKey            = "aws:cdk:enable-path-metadata"
	AssetMetadataKey           = "aws:cdk:enable-asset-metadata"
	VersionReportingKey        = "aws:cdk:version-reporting"
	DisableVersionReportingKey = "aws:cdk:disable-version-reporting"
	BundlingStacksKey          = "aws:cdk:bundling-stacks"
)

// AppContext returns the context `cdk synth` hands the app: cdk.json's
// context plus the keys the CLI derives from cdk.json's settings. An app
// given it synthesises the same template whether `cdk synth`, `go run
// ./infra` or a test starts it. The map is a copy.
func (c Config) AppContext() map[string]any {
	ctx := make(map[string]any, len(c.Context)+4)
	for k, v := range c.Context {
		ctx[k] = v
	}
	ctx[PathMetadataKey] = c.PathMetadata
	ctx[AssetMetadataKey] = c.AssetMetadata
	if c.VersionReporting {
		ctx[VersionReportingKey] = true
	} else {
		ctx[DisableVersionReportingKey] = true
	}
	ctx[BundlingStacksKey] = []any{"**"}
	return ctx
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
		Output           string         `json:"output"`
		Context          map[string]any `json:"context"`
		VersionReporting *bool          `json:"versionReporting"`
		PathMetadata     *bool          `json:"pathMetadata"`
		AssetMetadata    *bool          `json:"assetMetadata"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	orTrue := func(b *bool) bool { return b == nil || *b }
	cfg := Config{Dir: filepath.Dir(path), Output: raw.Output, Context: raw.Context,
		VersionReporting: orTrue(raw.VersionReporting), PathMetadata: orTrue(raw.PathMetadata), AssetMetadata: orTrue(raw.AssetMetadata)}
	if cfg.Output == "" {
		cfg.Output = "cdk.out"
	}
	if cfg.Context == nil {
		cfg.Context = map[string]any{}
	}
	return cfg, nil
}
