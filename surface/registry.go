package surface

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/descent-ml/descent/optim"
)

// entry is one named function of the registry.
type entry struct {
	name        string
	description string
	params      []paramDef
	build       func(p map[string]float64) (*Function, error)
}

// paramDef is one parameter a named function takes.
type paramDef struct {
	key   string
	def   float64
	doc   string
	check func(v float64) error // what values are allowed
}

var registry = map[string]entry{}

func register(e entry) { registry[e.name] = e }

// ExprName is the spec name of a function given as an expression:
// "expr:x^2 - y^2".
const ExprName = "expr"

// New builds the function a spec names: "NAME" or "NAME:key=value,...",
// with the parameters of that function (Catalog lists them), or
// "expr:EXPRESSION" for a function typed as an expression (see Parse).
// Unknown names and keys, and values out of range, are errors that say
// what is allowed.
func New(spec string) (*Function, error) {
	trimmed := strings.TrimSpace(spec)
	if name, rest, ok := strings.Cut(trimmed, ":"); ok && strings.EqualFold(strings.TrimSpace(name), ExprName) {
		return Parse(rest)
	}
	if strings.EqualFold(trimmed, ExprName) {
		return nil, fmt.Errorf("function spec %q: an expression follows %q, as in \"expr:x^2 - y^2\"", spec, ExprName+":")
	}
	name, h, err := optim.ParseSpec(trimmed)
	if err != nil {
		return nil, fmt.Errorf("function %w", err)
	}
	e, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("unknown function %q (known: %s, or expr:EXPRESSION)", name, strings.Join(Names(), ", "))
	}
	values := make(map[string]float64, len(e.params))
	for _, p := range e.params {
		values[p.key] = p.def
	}
	for _, kv := range h {
		p, ok := e.param(kv.Key)
		if !ok {
			if len(e.params) == 0 {
				return nil, fmt.Errorf("%s: unknown parameter %q (%s takes no parameters)", name, kv.Key, name)
			}
			return nil, fmt.Errorf("%s: unknown parameter %q (allowed: %s)", name, kv.Key, strings.Join(e.keys(), ", "))
		}
		v, err := strconv.ParseFloat(kv.Value, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: parameter %s=%q: want a number", name, kv.Key, kv.Value)
		}
		if err := p.check(v); err != nil {
			return nil, fmt.Errorf("%s: parameter %s=%v: %w", name, kv.Key, kv.Value, err)
		}
		values[p.key] = v + 0 // turns −0 into 0
	}
	f, err := e.build(values)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	f.name = name
	f.description = e.description
	f.spec = name
	for i, p := range e.params {
		if i == 0 {
			f.spec += ":"
		} else {
			f.spec += ","
		}
		f.spec += p.key + "=" + strconv.FormatFloat(values[p.key], 'g', -1, 64)
		f.params = append(f.params, Parameter{Key: p.key, Value: values[p.key], Doc: p.doc})
	}
	f.finish()
	return f, nil
}

func (e entry) param(key string) (paramDef, bool) {
	for _, p := range e.params {
		if p.key == key {
			return p, true
		}
	}
	return paramDef{}, false
}

func (e entry) keys() []string {
	keys := make([]string, len(e.params))
	for i, p := range e.params {
		keys[i] = p.key
	}
	return keys
}

// Names lists the named functions New accepts, sorted. Expressions
// ("expr:...") come on top of these.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Info describes a named function for a catalogue: its name, what it
// shows, and the parameters it takes with their defaults.
type Info struct {
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Params      []Parameter `json:"params"` // Value holds the default
}

// Catalog describes every named function, sorted by name.
func Catalog() []Info {
	var out []Info
	for _, n := range Names() {
		e := registry[n]
		in := Info{Name: n, Description: e.description, Params: []Parameter{}}
		for _, p := range e.params {
			in.Params = append(in.Params, Parameter{Key: p.key, Value: p.def, Doc: p.doc})
		}
		out = append(out, in)
	}
	return out
}

// Checks on parameter values; each error says what is allowed.

func anyFinite(v float64) error {
	if !finite(v) {
		return fmt.Errorf("want a finite number")
	}
	return nil
}

func positive(v float64) error {
	if !(v > 0) || math.IsInf(v, 1) {
		return fmt.Errorf("want a finite number > 0")
	}
	return nil
}

func nonNegative(v float64) error {
	if !(v >= 0) || math.IsInf(v, 1) {
		return fmt.Errorf("want a finite number >= 0")
	}
	return nil
}

func inRange(lo, hi float64) func(float64) error {
	return func(v float64) error {
		if !(v >= lo && v <= hi) {
			return fmt.Errorf("want a number in [%g, %g]", lo, hi)
		}
		return nil
	}
}

func intIn(lo, hi int) func(float64) error {
	return func(v float64) error {
		if v != math.Trunc(v) || v < float64(lo) || v > float64(hi) {
			return fmt.Errorf("want an integer from %d to %d", lo, hi)
		}
		return nil
	}
}
