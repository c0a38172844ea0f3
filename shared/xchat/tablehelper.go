package xchat

// wazero's Go API reads and writes memories and globals but not tables, and
// wasm-bindgen's glue works on the engine's exported externref table
// (__wbindgen_externrefs): every export returns its JavaScript results as
// indices into it, and __wbindgen_init_externref_table grows it. wazero links
// a table import to another module's exported table, so a tiny module,
// assembled here, imports that table and exports what the glue does with it:
//
//	(module
//	  (import "<engine instance>" "__wbindgen_externrefs" (table 0 externref))
//	  (func (export "get")  (param i32) (result externref) local.get 0 table.get 0)
//	  (func (export "set")  (param i32 externref) local.get 0 local.get 1 table.set 0)
//	  (func (export "grow") (param externref i32) (result i32) local.get 0 local.get 1 table.grow 0)
//	  (func (export "size") (result i32) table.size 0))
//
// Its import names the engine's instance, so one is assembled per instance.
func tableHelperWasm(engineModule string) []byte {
	const (
		i32       = 0x7f
		externref = 0x6f
		funcType  = 0x60
	)
	var out []byte
	section := func(id byte, body []byte) {
		out = append(out, id)
		out = appendU32(out, uint32(len(body)))
		out = append(out, body...)
	}
	name := func(b []byte, s string) []byte {
		b = appendU32(b, uint32(len(s)))
		return append(b, s...)
	}

	out = append(out, 0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00)

	// Types: 0 get, 1 set, 2 grow, 3 size.
	section(1, []byte{4,
		funcType, 1, i32, 1, externref,
		funcType, 2, i32, externref, 0,
		funcType, 2, externref, i32, 1, i32,
		funcType, 0, 1, i32,
	})

	// Import: the table, limits {min 0, no max}.
	imp := []byte{1}
	imp = name(imp, engineModule)
	imp = name(imp, "__wbindgen_externrefs")
	imp = append(imp, 0x01, externref, 0x00, 0x00)
	section(2, imp)

	// Functions: one of each type.
	section(3, []byte{4, 0, 1, 2, 3})

	exp := []byte{4}
	for i, n := range []string{"get", "set", "grow", "size"} {
		exp = name(exp, n)
		exp = append(exp, 0x00, byte(i))
	}
	section(7, exp)

	bodies := [][]byte{
		{0x20, 0, 0x25, 0, 0x0b},              // local.get 0; table.get 0
		{0x20, 0, 0x20, 1, 0x26, 0, 0x0b},     // local.get 0; local.get 1; table.set 0
		{0x20, 0, 0x20, 1, 0xfc, 15, 0, 0x0b}, // table.grow 0
		{0xfc, 16, 0, 0x0b},                   // table.size 0
	}
	code := []byte{byte(len(bodies))}
	for _, b := range bodies {
		fn := append([]byte{0}, b...) // no locals
		code = appendU32(code, uint32(len(fn)))
		code = append(code, fn...)
	}
	section(10, code)
	return out
}

// appendU32 appends v in unsigned LEB128.
func appendU32(b []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}
