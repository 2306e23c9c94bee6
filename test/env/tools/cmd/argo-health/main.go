// Command argo-health runs an Argo CD resource health script the way Argo CD's util/lua does: on
// gopher-lua (Lua 5.1) with only the package, base and table libraries open (Argo CD's default,
// useOpenLibs false), the object decoded into the global `obj`, a 1 s deadline, and the returned
// table encoded with layeh.com/gopher-json. Usage: argo-health SCRIPT.lua < object.json; prints
// {"status","message"} or exits 1 with the error Argo CD would show.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	lua "github.com/yuin/gopher-lua"
	luajson "layeh.com/gopher-json"
)

// The health codes Argo CD accepts from a script (gitops-engine health.HealthStatusCode).
var validStatus = map[string]bool{"Healthy": true, "Progressing": true, "Degraded": true, "Suspended": true, "Missing": true, "Unknown": true}

type health struct {
	Status  string `json:"status"`
	Message string `json:"message,omitempty"`
}

func decodeValue(l *lua.LState, value any) lua.LValue {
	switch v := value.(type) {
	case float64:
		return lua.LNumber(v)
	case string:
		return lua.LString(v)
	case bool:
		return lua.LBool(v)
	case []any:
		arr := l.CreateTable(len(v), 0)
		for _, item := range v {
			arr.Append(decodeValue(l, item))
		}
		return arr
	case map[string]any:
		tbl := l.CreateTable(0, len(v))
		for key, item := range v {
			tbl.RawSetH(lua.LString(key), decodeValue(l, item))
		}
		return tbl
	}
	return lua.LNil
}

func run(scriptPath string) (*health, error) {
	script, err := os.ReadFile(scriptPath)
	if err != nil {
		return nil, err
	}
	var obj map[string]any
	if err := json.NewDecoder(os.Stdin).Decode(&obj); err != nil {
		return nil, fmt.Errorf("reading the object from stdin: %w", err)
	}
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	for name, open := range map[string]lua.LGFunction{lua.LoadLibName: lua.OpenPackage, lua.BaseLibName: lua.OpenBase, lua.TabLibName: lua.OpenTable} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(open), NRet: 0, Protect: true}, lua.LString(name)); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l.SetContext(ctx)
	l.SetGlobal("obj", decodeValue(l, obj))
	if err := l.DoString(string(script)); err != nil {
		return nil, err
	}
	ret := l.Get(-1)
	if ret.Type() != lua.LTTable {
		return nil, fmt.Errorf("the script returned %s, not a table", ret.Type())
	}
	encoded, err := luajson.Encode(ret)
	if err != nil {
		return nil, err
	}
	h := &health{}
	if err := json.Unmarshal(encoded, h); err != nil {
		return nil, err
	}
	if !validStatus[h.Status] {
		return nil, fmt.Errorf("the script returned an invalid health status %q", h.Status)
	}
	return h, nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: argo-health SCRIPT.lua < object.json")
		os.Exit(2)
	}
	h, err := run(os.Args[1])
	if err != nil {
		fmt.Fprintf(os.Stderr, "argo-health: %v\n", err)
		os.Exit(1)
	}
	_ = json.NewEncoder(os.Stdout).Encode(h)
}
