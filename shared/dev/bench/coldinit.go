package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/acme/twitter-cases/functions"
	"github.com/acme/twitter-cases/infra/rie"
	"github.com/acme/twitter-cases/shared/dev/localaws"
)

// lambdaEnv is what Lambda itself puts in every function's environment
// (the region, the execution role's temporary credentials, the function's
// own settings), with dummy values: init does no network I/O.
func lambdaEnv(name string, memoryMB int, timeout time.Duration) map[string]string {
	return map[string]string{
		"AWS_REGION":                      localaws.Region,
		"AWS_DEFAULT_REGION":              localaws.Region,
		"AWS_ACCESS_KEY_ID":               "ASIABENCHBENCHBENCH0",
		"AWS_SECRET_ACCESS_KEY":           "bench/bench/bench/bench/bench/bench/benc",
		"AWS_SESSION_TOKEN":               "IQoJb3JpZ2luX2VjEBench",
		"AWS_LAMBDA_FUNCTION_NAME":        name,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(memoryMB),
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_TIMEOUT":     strconv.Itoa(int(timeout.Seconds())),
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + name,
		"AWS_EXECUTION_ENV":               "AWS_Lambda_provided.al2023",
		"LAMBDA_TASK_ROOT":                "/var/task",
		"TZ":                              ":UTC",
	}
}

// stackResources are the names and URLs the stack would hand the
// functions; nothing reaches them during init.
var stackResources = functions.Resources{
	TableName:        "twitter-cases-bench",
	OutboundQueueURL: "https://sqs.us-east-1.amazonaws.com/000000000000/twitter-cases-bench-outbound.fifo",
	InboundQueueURL:  "https://sqs.us-east-1.amazonaws.com/000000000000/twitter-cases-bench-inbound",
	XAppSecret:       "twitter-cases/bench/x-app",
	XChatKeyPrefix:   "twitter-cases/bench/xchat-keys/",
}

// stackConfig is a deployment's settings as they reach the functions.
var stackConfig = functions.Config{
	LogLevel: "info", TweetMaxLength: 280, AllowedOrigins: []string{"https://console.example.com"},
	Stage: "bench", XWebhookID: "1860000000000000001",
}

// InitEnv is the environment a binary starts with: for a function, what the
// stack gives it (package functions) and what Lambda adds; for an anchor,
// what Lambda adds.
func InitEnv(b Binary) map[string]string {
	f, ok := functions.ByName(b.Name)
	if b.Anchor || !ok {
		return lambdaEnv(b.Name, 256, 10*time.Second)
	}
	env := lambdaEnv(f.Name, f.MemoryMB, f.FunctionTimeout())
	for k, v := range f.Env(stackResources, stackConfig) {
		env[k] = v
	}
	return env
}

// ColdInit starts the binary in dir/<name> under the emulator, invokes it
// once (init happens on the first invocation, as in Lambda) and returns
// the init time the emulator reports, without waiting for the invocation
// itself, which may reach for AWS. The emulator is stopped before it
// returns.
func ColdInit(ctx context.Context, rieBin, dir string, b Binary) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	e, err := rie.Start(ctx, rieBin, b.Name, filepath.Join(dir, b.Name), InitEnv(b))
	if err != nil {
		return 0, err
	}
	defer e.Stop()
	invoked := make(chan error, 1)
	go func() { invoked <- e.Invoke(ctx, []byte(`{}`), nil) }()
	logs, err := e.WaitForLogs(ctx, "INIT REPORT")
	if err != nil {
		return 0, fmt.Errorf("bench: cold init of %s: %w\n%s", b.Name, err, logs)
	}
	if !strings.Contains(logs, "INIT RTDONE(status: success)") {
		return 0, fmt.Errorf("bench: %s failed its init:\n%s", b.Name, logs)
	}
	d := e.InitDuration()
	if d <= 0 {
		return 0, fmt.Errorf("bench: %s: no init duration in\n%s", b.Name, logs)
	}
	return d, nil
}

// ColdInits measures rounds fresh starts of every binary, interleaved:
// each round starts every binary once, in the order ColdOrder gives
// (random, every binary in every position equally often, after a random
// other), so drift on the machine, and whatever a start leaves behind for
// the next, reach the anchors and the functions alike. It returns each
// binary's init times by name, in round order.
//
// It used to start the list rotated by one each round, which kept the
// binaries in one cyclic order: hello-world, the anchor of every ratio,
// always started right after the reconciler (issue 21 item 13), and an
// independent harness starting the same binaries in random order measured
// hello-world 10–25 % faster than the bench did.
func ColdInits(ctx context.Context, rieBin, dir string, bins []Binary, rounds int, progress func(string)) (map[string][]time.Duration, error) {
	out := map[string][]time.Duration{}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 21))
	for r, order := range ColdOrder(len(bins), rounds, rng) {
		for _, i := range order {
			b := bins[i]
			d, err := ColdInit(ctx, rieBin, dir, b)
			if err != nil {
				return nil, err
			}
			out[b.Name] = append(out[b.Name], d)
		}
		if progress != nil && (r+1)%10 == 0 {
			progress(fmt.Sprintf("cold init: %d/%d rounds", r+1, rounds))
		}
	}
	return out, nil
}

// ColdOrder is the order in which each of rounds rounds starts n binaries
// (indexes 0 to n-1). Rounds come in blocks of n: a block is a Latin
// square, every binary once in every position, made from a random cyclic
// order with its positions shuffled at random, so that what precedes a
// binary changes from round to round; each block draws anew. A last,
// partial block keeps its rounds' random orders without the balance.
func ColdOrder(n, rounds int, rng *rand.Rand) [][]int {
	out := make([][]int, 0, rounds)
	for len(out) < rounds {
		cyc, pos := rng.Perm(n), rng.Perm(n)
		rows := rng.Perm(n)
		for _, r := range rows {
			if len(out) == rounds {
				break
			}
			order := make([]int, n)
			for j := range n {
				order[j] = cyc[(pos[j]+r)%n]
			}
			out = append(out, order)
		}
	}
	return out
}
