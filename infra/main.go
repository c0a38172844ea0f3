// Command infra is the project's CDK app: it synthesises the stack of one
// stage, TwitterCases-<stage>, into a cloud assembly.
//
// `cdk synth` runs it (cdk.json: "app": "go run ./infra"), and so can
// `go run ./infra` directly: either way it reads cdk.json's context (the CLI's
// context, e.g. `cdk synth -c stage=prod`, overrides it) and writes to
// $CDK_OUTDIR, or to cdk.json's output folder ("cdk.out") when that is unset.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
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

	app := awscdk.NewApp(&awscdk.AppProps{
		Outdir:  jsii.String(outdir),
		Context: &cfg.Context,
	})
	stage, err := stack.Stage(app)
	if err != nil {
		return err
	}
	stack.New(app, stack.Name(stage), stack.Props{Stage: stage})
	app.Synth(nil)
	return nil
}
