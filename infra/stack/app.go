package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// AppProps configures NewApp.
type AppProps struct {
	// Context is the app's context: cdk.json's, plus what the CDK CLI adds
	// (see cdkjson.Config.AppContext). When the CLI runs the app, the
	// context it passes in the environment wins over this.
	Context map[string]any
	// Outdir receives the cloud assembly.
	Outdir string
	// BuildDir holds each function's build/<name>/bootstrap.
	BuildDir string
}

// NewApp returns the project's CDK app with the stack of the context's
// stage (its settings from the context) and the cdk-nag AwsSolutions
// checks on everything in the app, so an unsuppressed finding fails
// synthesis. `cdk synth`, `go run ./infra` and the tests all build the app
// here.
func NewApp(p AppProps) (awscdk.App, awscdk.Stack, error) {
	app := awscdk.NewApp(&awscdk.AppProps{
		Outdir:  jsii.String(p.Outdir),
		Context: &p.Context,
	})
	stage, err := Stage(app)
	if err != nil {
		return nil, nil, err
	}
	settings, err := SettingsFrom(app)
	if err != nil {
		return nil, nil, err
	}
	st, err := New(app, Name(stage), Props{Stage: stage, Settings: settings, BuildDir: p.BuildDir})
	if err != nil {
		return nil, nil, err
	}
	Check(app)
	return app, st, nil
}

// Check adds the cdk-nag AwsSolutions pack to scope, with a report of
// every rule and resource in the cloud assembly
// (AwsSolutions-<stack>-NagReport.csv).
func Check(scope awscdk.App) {
	awscdk.Aspects_Of(scope).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{
		Verbose: jsii.Bool(true),
		Reports: jsii.Bool(true),
	}), nil)
}

// BuildDir is the folder, next to cdk.json, where `make build` puts each
// function's build/<name>/bootstrap.
const BuildDir = "build"
