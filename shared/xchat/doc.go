// Package xchat hosts X's X Chat engine in pure Go: the Rust core of X's
// Chat XDK compiled to WebAssembly, from the npm package
// @xdevplatform/chat-xdk (Package, MIT), run by wazero with the glue's
// JavaScript imports implemented in Go. Every cryptographic operation is the
// engine's; this package only moves values across the boundary.
//
// # Use
//
//	eng, err := xchat.Load(ctx)          // once per process
//	chat, err := eng.NewChat(ctx)        // one per brand handle
//	defer chat.Close(ctx)
//	err = chat.ImportKeys(ctx, blob, version)  // the handle's secret key blob
//	err = chat.SetIdentity(ctx, userID, version)
//	p, err := chat.EncryptMessage(ctx, xchat.EncryptParams{...})
//	ev, err := chat.DecryptEvent(ctx, eventB64, keys, signingKeys)
//
// The methods mirror X's (index.d.ts of the package); errors carry the
// engine's message and, where it tells, a kind for errors.Is:
// ErrNoConversationKey (keep the event until its key arrives), ErrUnverified
// (refuse it), ErrMalformed, ErrNoKeys, ErrBroken (make a new Chat).
//
// A Chat is safe for concurrent use; its calls are serialized (one
// single-threaded wasm instance each). An Engine is shared.
//
// Which calls verify: DecryptEvent and DecryptEvents verify every signed
// event (messages and key changes) against the signing keys given, and
// refuse what fails unless SetRejectUnverified(false); VerifyKeyBinding
// checks a fetched key record. ExtractConversationKeys and
// DecryptConversationKey verify nothing, and DecryptEvents' ConversationKeys
// also holds the keys of key changes it refused: take keys from
// DecryptEventsResult.VerifiedConversationKeys, or extract only from key
// changes already verified.
//
// # How the module reaches the build
//
// The module's bytes (chat_xdk_wasm_bg.wasm, 1,023,657 bytes) are committed
// here and embedded with go:embed, so `go build` works on a fresh clone and
// a function's Lambda zip is its one binary, with no file to ship beside it
// and nothing fetched at run time. Their provenance is checked twice:
// package.json pins the npm package exactly and package-lock.json holds its
// sha512 integrity, which `npm ci` verifies; TestModuleIsThePinnedPackages
// fails unless the embedded bytes equal node_modules' copy. Load refuses
// bytes whose SHA-256 is not ModuleSHA256. Updating the engine is: bump
// package.json, npm install, copy pkg/chat_xdk_wasm_bg.wasm here, update
// ModuleSHA256 and the imports (their names carry hashes that change with
// every version; Load names any it does not implement).
//
// # Interpreter or compiler
//
// Measured on this project's shared 2-core amd64 machine under load (load
// average 11–16; make bench's "X Chat" rows, BENCH_ONLY=xchat): wazero's
// interpreter compiles the module in about 0.14 s (a cold load of compile,
// instantiate and key import: about 0.5 s) but then takes about 0.6 s to
// encrypt and sign one message and 0.7–1.3 s to decrypt and verify one; the
// compiler takes about 2.6 s to compile (cold load 2.6–2.9 s) and then
// 3–14 ms to encrypt and 3–12 ms to decrypt. The compiler is ahead from
// the fourth message of a worker's life and the interpreter could not keep
// up with a queue of DMs, so Load uses the compiler (wazero.NewRuntimeConfig
// picks it on amd64 and arm64, the Lambdas' arch). The cost is the first
// DM of a cold DM worker (only they link this package). Compiling peaks at
// about 95 MB of Go heap (RSS about 100 MB, settling near 40 MB), so the
// DM workers want 256 MB of Lambda memory or more. Each Chat adds about
// 1.2 MB of wasm memory (1.6 MB of Go heap in all). Linking the package
// adds about 3.4 MB to a linux/arm64 function binary and 1.1 MB to its zip -9
// (the outbound worker: 3.50 to 4.64 MB; the module zips to 0.34 MB, the rest
// is wazero and this host). Setting
// XCHAT_WAZERO_CACHE_DIR keeps compiled code between processes (tests,
// local run).
//
// # The JavaScript side
//
// The module imports no memory and passes JavaScript values as externrefs.
// Values live in Go (jsvalue.go) behind handles; the handle is the
// externref itself (0 is null). wazero's API has no table accessors, so a
// tiny hand-assembled module (tablehelper.go) imports the engine's
// __wbindgen_externrefs table and exports get/set/grow/size. Handles the
// table no longer holds are freed between calls (host.sweep), so a
// long-lived Chat does not grow.
package xchat
