// Command infra is the project's CDK app: it synthesises the stack of one
// stage, TwitterCases-<stage>, into a cloud assembly, checked by cdk-nag.
//
// `cdk synth` runs it (cdk.json: "app": "go run ./infra"), and so can
// `go run ./infra` directly: either way it reads cdk.json's context and
// settings (the CLI's context, e.g. `cdk synth -c stage=prod`, overrides
// them), takes the functions' Lambda builds from build/ next to cdk.json
// (`make build`), and writes to $CDK_OUTDIR, or to cdk.json's output folder
// ("cdk.out") when that is unset.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws/jsii-runtime-go"

	"github.com/acme/twitter-cases/infra/cdkjson"
	"github.com/acme/twitter-cases/infra/stack"
)

func main() {
	err := run()
	jsii.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "infra:", err)
		os.Exit(1)
	}
}

func run() error {
	cfg, err := cdkjson.Find(".")
	if err != nil {
		return err
	}
	outdir := os.Getenv("CDK_OUTDIR")
	if outdir == "" {
		outdir = cfg.OutputDir()
	}
	app, _, err := stack.NewApp(stack.AppProps{
		Context:  cfg.AppContext(),
		Outdir:   outdir,
		BuildDir: filepath.Join(cfg.Dir, stack.BuildDir),
	})
	if err != nil {
		return err
	}
	app.Synth(nil)
	return nil
}
