package xchat

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// Package is the npm package whose module is embedded, at its pinned
// version (package.json pins the same, exactly).
const Package = "@xdevplatform/chat-xdk@0.4.3"

// ModuleSHA256 is the SHA-256 of the embedded chat_xdk_wasm_bg.wasm of
// Package; Load refuses other bytes.
const ModuleSHA256 = "2fbe11b5aa894efa394ea8d4ae08763b5c46bd81355d96d6d9e5d1b50abf0d06"

//go:embed chat_xdk_wasm_bg.wasm
var moduleWasm []byte

// importModule is the module name the engine's imports come from.
const importModule = "./chat_xdk_wasm_bg.js"

// memoryLimitPages caps each instance's memory (64 KiB pages): 128 MiB.
const memoryLimitPages = 2048

// Engine is X's compiled chat engine, shared by the Chats of a process.
// It is safe for concurrent use.
type Engine struct {
	rt       wazero.Runtime
	compiled wazero.CompiledModule
	seq      atomic.Uint64
}

var (
	loadOnce   sync.Once
	loadEngine *Engine
	loadErr    error
)

// CacheDirEnv names the variable holding a folder where wazero keeps
// compiled code between processes (the tests and the local run set it to
// .cache/wazero; a Lambda leaves it unset, its /tmp does not outlive a cold
// start).
const CacheDirEnv = "XCHAT_WAZERO_CACHE_DIR"

// Load returns the process's engine, compiling the embedded module on the
// first call with wazero's compiler where it has one (amd64, arm64; see the
// package documentation for the measurements behind that). Later calls
// return the same engine or the same error.
func Load(ctx context.Context) (*Engine, error) {
	loadOnce.Do(func() {
		cfg := wazero.NewRuntimeConfig()
		if dir := os.Getenv(CacheDirEnv); dir != "" {
			// wazero names its cache entries "dev" when it cannot tell its
			// version (it cannot in tests): a folder per version keeps an
			// upgraded wazero from reading an older one's code.
			cache, err := wazero.NewCompilationCacheWithDir(filepath.Join(dir, wazeroVersion))
			if err != nil {
				loadErr = fmt.Errorf("xchat: compilation cache %s: %w", dir, err)
				return
			}
			cfg = cfg.WithCompilationCache(cache)
		}
		loadEngine, loadErr = newEngine(context.WithoutCancel(ctx), cfg)
	})
	return loadEngine, loadErr
}

// CompileOptions choose how Compile runs the module.
type CompileOptions struct {
	// Interpreter selects wazero's interpreter instead of its compiler.
	Interpreter bool
}

// Compile compiles the embedded module afresh into a new Engine, outside
// Load's once-per-process engine and any compilation cache: for
// measurements (make bench) and tests. Functions call Load. Close the
// Engine when done.
func Compile(ctx context.Context, opts CompileOptions) (*Engine, error) {
	cfg := wazero.NewRuntimeConfigCompiler()
	if opts.Interpreter {
		cfg = wazero.NewRuntimeConfigInterpreter()
	}
	return newEngine(ctx, cfg)
}

// wazeroVersion is the wazero release go.mod requires (a test holds them
// equal).
const wazeroVersion = "v1.12.0"

// Preload starts Load in the background and returns at once, so that a DM
// worker's main can overlap the engine's compile (seconds) with the rest of
// its start and its first poll; the first Load then waits for it to end.
func Preload(ctx context.Context) {
	go func() { _, _ = Load(ctx) }()
}

// newEngine compiles the module under cfg and instantiates the glue's
// imports. Tests and the bench use it to compare wazero's two engines.
func newEngine(ctx context.Context, cfg wazero.RuntimeConfig) (*Engine, error) {
	sum := sha256.Sum256(moduleWasm)
	if got := hex.EncodeToString(sum[:]); got != ModuleSHA256 {
		return nil, fmt.Errorf("xchat: embedded module has SHA-256 %s, want %s (%s)", got, ModuleSHA256, Package)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, cfg.WithMemoryLimitPages(memoryLimitPages))
	compiled, err := rt.CompileModule(ctx, moduleWasm)
	if err != nil {
		rt.Close(ctx)
		return nil, fmt.Errorf("xchat: compile %s: %w", Package, err)
	}
	impl := imports()
	b := rt.NewHostModuleBuilder(importModule)
	for _, f := range compiled.ImportedFunctions() {
		mod, name, _ := f.Import()
		in, ok := impl[name]
		if mod != importModule || !ok {
			rt.Close(ctx)
			return nil, fmt.Errorf("xchat: the module imports %s.%s, which this host does not implement", mod, name)
		}
		if !sameTypes(in.params, f.ParamTypes()) || !sameTypes(in.results, f.ResultTypes()) {
			rt.Close(ctx)
			return nil, fmt.Errorf("xchat: import %s has type %v -> %v, this host implements %v -> %v",
				name, f.ParamTypes(), f.ResultTypes(), in.params, in.results)
		}
		fn := in.fn
		b.NewFunctionBuilder().
			WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, _ api.Module, stack []uint64) {
				h, ok := ctx.Value(hostKey{}).(*host)
				if !ok {
					panic(fmt.Errorf("xchat: import %s called outside a Chat call", name))
				}
				fn(ctx, h, stack)
			}), in.params, in.results).
			Export(name)
	}
	if _, err := b.Instantiate(ctx); err != nil {
		rt.Close(ctx)
		return nil, fmt.Errorf("xchat: instantiate the glue's imports: %w", err)
	}
	return &Engine{rt: rt, compiled: compiled}, nil
}

func sameTypes(a, b []api.ValueType) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Close releases the engine and every Chat made from it.
func (e *Engine) Close(ctx context.Context) error { return e.rt.Close(ctx) }

// NewChat instantiates the module afresh (its own memory, about 1.1 MiB to
// start) and creates X's Chat in it, with no keys loaded and unverified
// events rejected (X's default, which this package never changes by itself).
func (e *Engine) NewChat(ctx context.Context) (*Chat, error) {
	name := fmt.Sprintf("xchat-%d", e.seq.Add(1))
	mod, err := e.rt.InstantiateModule(ctx, e.compiled, wazero.NewModuleConfig().WithName(name).WithStartFunctions())
	if err != nil {
		return nil, fmt.Errorf("xchat: instantiate: %w", err)
	}
	helperCompiled, err := e.rt.CompileModule(ctx, tableHelperWasm(name))
	if err != nil {
		mod.Close(ctx)
		return nil, fmt.Errorf("xchat: compile the table helper: %w", err)
	}
	helper, err := e.rt.InstantiateModule(ctx, helperCompiled, wazero.NewModuleConfig().WithName(name+"-table"))
	if err != nil {
		helperCompiled.Close(ctx)
		mod.Close(ctx)
		return nil, fmt.Errorf("xchat: instantiate the table helper: %w", err)
	}
	h := newHost()
	h.mod, h.helper = mod, helper
	exports := map[string]*api.Function{
		"__wbindgen_malloc": &h.malloc, "__wbindgen_free": &h.free,
		"__externref_table_alloc": &h.tableAlloc, "__externref_table_dealloc": &h.tableDealloc,
		"__wbindgen_exn_store": &h.exnStore,
	}
	for n, p := range exports {
		if *p = mod.ExportedFunction(n); *p == nil {
			return nil, fmt.Errorf("xchat: the module exports no %s", n)
		}
	}
	h.tget, h.tset = helper.ExportedFunction("get"), helper.ExportedFunction("set")
	h.tgrow, h.tsize = helper.ExportedFunction("grow"), helper.ExportedFunction("size")

	c := &Chat{h: h, closers: []func(context.Context) error{helper.Close, helperCompiled.Close, mod.Close}}
	cctx := c.ctx(ctx)
	if _, err := mod.ExportedFunction("__wbindgen_start").Call(cctx); err != nil {
		c.Close(ctx)
		return nil, fmt.Errorf("xchat: start the engine: %w", err)
	}
	res, err := mod.ExportedFunction("chat_new").Call(cctx)
	if err != nil {
		c.Close(ctx)
		return nil, fmt.Errorf("xchat: create the chat: %w", err)
	}
	c.ptr = uint64(uint32(res[0]))
	return c, nil
}
