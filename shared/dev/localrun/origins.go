package localrun

import (
	"fmt"
	"strings"

	"github.com/acme/twitter-cases/infra/cdkjson"
	"github.com/acme/twitter-cases/shared/dev/localaws"
)

// AllowedOriginsKey is the cdk.json context key holding the console
// origins the stack's CORS allows by default (infra/stack reads the same).
const AllowedOriginsKey = "allowedOrigins"

// StackOrigins returns the console origins the AWS stack allows when no
// stage overrides them: the allowedOrigins of cdk.json's context at the
// module root (a JSON list, or a comma-separated string as `cdk -c`
// passes). The local run allows the same unless ALLOWED_ORIGINS is set, so
// a console that works against one works against the other.
func StackOrigins() ([]string, error) {
	root, err := localaws.ModuleRoot()
	if err != nil {
		return nil, fmt.Errorf("localrun: the stack's CORS origins: %w", err)
	}
	cfg, err := cdkjson.Find(root)
	if err != nil {
		return nil, fmt.Errorf("localrun: the stack's CORS origins: %w", err)
	}
	var out []string
	switch v := cfg.Context[AllowedOriginsKey].(type) {
	case nil:
	case string:
		for _, o := range strings.Split(v, ",") {
			if o = strings.TrimSpace(o); o != "" {
				out = append(out, o)
			}
		}
	case []any:
		for _, o := range v {
			s, ok := o.(string)
			if !ok {
				return nil, fmt.Errorf("localrun: cdk.json context %q holds %v, not a list of origins", AllowedOriginsKey, v)
			}
			out = append(out, s)
		}
	default:
		return nil, fmt.Errorf("localrun: cdk.json context %q holds %v, not a list of origins", AllowedOriginsKey, v)
	}
	return out, nil
}
