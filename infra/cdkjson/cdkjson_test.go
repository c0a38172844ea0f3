package cdkjson_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/acme/twitter-cases/infra/cdkjson"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFindWalksUp(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "cdk.json"), `{"app":"go run ./infra","output":"out","context":{"stage":"dev","tweetMaxLength":140}}`)
	deep := filepath.Join(root, "infra", "stack")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}

	cfg, err := cdkjson.Find(deep)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Dir != root {
		t.Errorf("Dir = %q, want %q", cfg.Dir, root)
	}
	if got, want := cfg.OutputDir(), filepath.Join(root, "out"); got != want {
		t.Errorf("OutputDir = %q, want %q", got, want)
	}
	if cfg.Context["stage"] != "dev" || cfg.Context["tweetMaxLength"] != 140.0 {
		t.Errorf("Context = %v", cfg.Context)
	}
}

func TestReadDefaults(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cdk.json")
	write(t, path, `{"app":"x"}`)
	cfg, err := cdkjson.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Output != "cdk.out" || cfg.Context == nil || len(cfg.Context) != 0 {
		t.Errorf("Read = %+v, want output cdk.out and an empty context", cfg)
	}
}

func TestErrors(t *testing.T) {
	if _, err := cdkjson.Find(t.TempDir()); err == nil {
		t.Error("Find without a cdk.json: no error")
	}
	path := filepath.Join(t.TempDir(), "cdk.json")
	write(t, path, `{"context": [`)
	if _, err := cdkjson.Read(path); err == nil {
		t.Error("Read of broken JSON: no error")
	}
}

// The project's own cdk.json must parse and name a stage.
func TestProjectFile(t *testing.T) {
	cfg, err := cdkjson.Find(".")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cfg.Context["stage"].(string); !ok {
		t.Errorf("project cdk.json context has no stage: %v", cfg.Context["stage"])
	}
}

// AppContext adds what the CDK CLI adds, from cdk.json's settings.
func TestAppContext(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cdk.json")
	write(t, path, `{"app":"x","context":{"stage":"dev"}}`)
	cfg, err := cdkjson.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := cfg.AppContext()
	if ctx["stage"] != "dev" || ctx[cdkjson.PathMetadataKey] != true || ctx[cdkjson.AssetMetadataKey] != true ||
		ctx[cdkjson.VersionReportingKey] != true || ctx[cdkjson.DisableVersionReportingKey] != nil {
		t.Errorf("defaults: %v", ctx)
	}
	ctx["stage"] = "changed"
	if cfg.Context["stage"] != "dev" {
		t.Error("AppContext shares cdk.json's map")
	}

	write(t, path, `{"app":"x","versionReporting":false,"pathMetadata":false,"assetMetadata":false}`)
	if cfg, err = cdkjson.Read(path); err != nil {
		t.Fatal(err)
	}
	ctx = cfg.AppContext()
	if ctx[cdkjson.PathMetadataKey] != false || ctx[cdkjson.AssetMetadataKey] != false ||
		ctx[cdkjson.VersionReportingKey] != nil || ctx[cdkjson.DisableVersionReportingKey] != true {
		t.Errorf("all off: %v", ctx)
	}
}
