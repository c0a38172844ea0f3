package stack

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// secretName is what Secrets Manager accepts as a secret's name.
var secretName = regexp.MustCompile(`^[A-Za-z0-9/_+=.@-]{1,512}$`)

// webhookID is X's webhook id: 1 to 19 digits.
var webhookID = regexp.MustCompile(`^[0-9]{1,19}$`)

// SecretPrefix is the start of the name of every secret of a stage.
func SecretPrefix(stage string) string { return "twitter-cases/" + stage + "/" }

// XAppSecretName is the name of the X app's credentials secret the stack
// creates (unless the context names an existing one).
func XAppSecretName(stage string) string { return SecretPrefix(stage) + "x-app" }

// HandleSecretPrefix is how the names of the brand handles' credentials
// secrets must start: ops create one secret per brand handle, named
// HandleSecretPrefix(stage)+<screen name>, and register that name with
// POST /v1/handles; the functions that act on X may read every secret
// under the prefix and no other.
func HandleSecretPrefix(stage string) string { return SecretPrefix(stage) + "handles/" }

// OAuth2TokenSecretPrefix is how the names of the OAuth 2.0 token secrets of
// brand handles connected with X start (issue 24): under
// HandleSecretPrefix, so every function that acts as a handle reads them,
// and the only handle secrets a function may write (a refresh replaces
// the pair: PutSecretValue; none may create one yet).
func OAuth2TokenSecretPrefix(stage string) string { return HandleSecretPrefix(stage) + "x-oauth2/" }

// XChatKeySecretPrefix is how the names of the brand handles' X Chat key
// secrets start: make x-chat-keys writes one per brand handle, named
// XChatKeySecretPrefix(stage)+<x user id> (secrets.ChatKeys: the exported
// private keys and their registered version). Only the functions that
// encrypt or decrypt DMs may read them; none may write them.
func XChatKeySecretPrefix(stage string) string { return SecretPrefix(stage) + "xchat-keys/" }

// XAppPlaceholder is the value the stack gives the X app secret it
// creates: the right shape with empty values (and a generated filler, as
// CloudFormation generates something), which the functions refuse
// ("app credentials need consumer_key and consumer_secret") until ops put
// the real consumer key and secret in.
const XAppPlaceholder = `{"consumer_key":"","consumer_secret":""}`

// xAppSecret is the X app's credentials secret as the functions see it.
type xAppSecret struct {
	// name is what X_APP_SECRET holds.
	name string
	// arn is what IAM grants GetSecretValue on.
	arn *string
}

// newXAppSecret creates the X app secret, with a placeholder value and
// kept when the stack goes, or refers to the existing one the context names.
func newXAppSecret(st awscdk.Stack, stage string, s Settings) xAppSecret {
	if s.XAppSecretName != "" {
		// Secret ARNs end in "-" and six random characters.
		return xAppSecret{name: s.XAppSecretName, arn: st.FormatArn(&awscdk.ArnComponents{
			Service:      jsii.String("secretsmanager"),
			Resource:     jsii.String("secret"),
			ResourceName: jsii.String(s.XAppSecretName + "-??????"),
			ArnFormat:    awscdk.ArnFormat_COLON_RESOURCE_NAME,
		})}
	}
	name := XAppSecretName(stage)
	sec := awssecretsmanager.NewSecret(st, jsii.String(XAppSecretID), &awssecretsmanager.SecretProps{
		SecretName: jsii.String(name),
		Description: jsii.String(fmt.Sprintf("X app consumer key and secret of twitter-cases %s. Ops replace the placeholder with "+
			`{"consumer_key":"...","consumer_secret":"..."}`+" from X's developer portal.", stage)),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			SecretStringTemplate: jsii.String(XAppPlaceholder),
			GenerateStringKey:    jsii.String("placeholder"),
			ExcludePunctuation:   jsii.Bool(true),
		},
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	cdknag.NagSuppressions_AddResourceSuppressions(sec, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-SMG4"),
		Reason: jsii.String("The X app's consumer key and secret are issued in X's developer portal, which has no API " +
			"a rotation function could call; ops rotate them by hand (regenerate in the portal, then put-secret-value), " +
			"as the README's Deploy section describes."),
	}}, jsii.Bool(true))
	return xAppSecret{name: name, arn: sec.SecretArn()}
}

// handleSecretsARN is the ARN pattern of every brand handle secret of the stage.
func tokenSecretsARN(st awscdk.Stack, stage string) *string {
	return st.FormatArn(&awscdk.ArnComponents{
		Service:      jsii.String("secretsmanager"),
		Resource:     jsii.String("secret"),
		ResourceName: jsii.String(OAuth2TokenSecretPrefix(stage) + "*"),
		ArnFormat:    awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})
}

func handleSecretsARN(st awscdk.Stack, stage string) *string {
	return st.FormatArn(&awscdk.ArnComponents{
		Service:      jsii.String("secretsmanager"),
		Resource:     jsii.String("secret"),
		ResourceName: jsii.String(HandleSecretPrefix(stage) + "*"),
		ArnFormat:    awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})
}

// xChatKeySecretsARN is the ARN pattern of every X Chat key secret of the stage.
func xChatKeySecretsARN(st awscdk.Stack, stage string) *string {
	return st.FormatArn(&awscdk.ArnComponents{
		Service:      jsii.String("secretsmanager"),
		Resource:     jsii.String("secret"),
		ResourceName: jsii.String(XChatKeySecretPrefix(stage) + "*"),
		ArnFormat:    awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})
}

// XChatKeyProvisionerID is the logical id of the managed policy that lets
// its holder provision the brand handles' X Chat keys.
const XChatKeyProvisionerID = "XChatKeyProvisioner"

// newXChatKeyProvisioner is the only grant to write X Chat key secrets: a
// managed policy, attached to no role of the stack, for the operators'
// role that runs make x-chat-keys (create a handle's secret, write a new
// version, read it back). The functions' roles only read the secrets.
func newXChatKeyProvisioner(st awscdk.Stack, stage string) awsiam.ManagedPolicy {
	p := awsiam.NewManagedPolicy(st, jsii.String(XChatKeyProvisionerID), &awsiam.ManagedPolicyProps{
		Description: jsii.String(fmt.Sprintf("Provision the brand handles' X Chat keys of twitter-cases %s (make x-chat-keys); "+
			"attach to the operators' role only", stage)),
		Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions: jsii.Strings("secretsmanager:CreateSecret", "secretsmanager:PutSecretValue", "secretsmanager:GetSecretValue",
				"secretsmanager:DescribeSecret"),
			Resources: &[]*string{xChatKeySecretsARN(st, stage)},
		})},
	})
	cdknag.NagSuppressions_AddResourceSuppressions(p, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("Brand handles' X Chat keys are provisioned at run time, one secret per handle named after its X user id, " +
			"so they cannot be listed here; the policy covers only secrets under the stage's documented prefix " +
			XChatKeySecretPrefix(stage) + " and is attached to no role of the stack (the operators attach it to theirs)."),
		AppliesTo: &[]any{"Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:" + XChatKeySecretPrefix(stage) + "*"},
	}}, jsii.Bool(true))
	return p
}
