package optim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Hyper is a list of hyperparameters by PyTorch's keyword names, as a spec
// string gives them: "lr=0.01,betas=0.9/0.999,amsgrad=true".
type Hyper []KV

// KV is one key=value of a Hyper.
type KV struct {
	Key, Value string
}

// ParseSpec splits an optimizer spec "NAME[:key=value,...]" into its name
// (lower-cased) and hyperparameters. A pair's elements are separated by "/"
// (betas=0.9/0.999).
func ParseSpec(spec string) (name string, h Hyper, err error) {
	name, rest, _ := strings.Cut(strings.TrimSpace(spec), ":")
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" {
		return "", nil, fmt.Errorf("spec %q: missing name before ':'", spec)
	}
	h, err = ParseHyper(rest)
	if err != nil {
		return "", nil, fmt.Errorf("spec %q: %w", spec, err)
	}
	return name, h, nil
}

// ParseHyper parses "key=value,key=value".
func ParseHyper(s string) (Hyper, error) {
	var h Hyper
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" {
			return nil, fmt.Errorf("%q is not key=value", kv)
		}
		if slices.ContainsFunc(h, func(e KV) bool { return e.Key == k }) {
			return nil, fmt.Errorf("key %q given twice", k)
		}
		h = append(h, KV{k, v})
	}
	return h, nil
}

// String writes h back as "key=value,...".
func (h Hyper) String() string {
	var b strings.Builder
	for i, kv := range h {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(kv.Key + "=" + kv.Value)
	}
	return b.String()
}

// Decode sets the fields of the struct *dst named (by their json tag) in h.
// Floats given as 0 become Zero (an explicit zero, not the default).
// Unknown keys and malformed values are errors naming the key and what is
// allowed.
func (h Hyper) Decode(dst any) error {
	v := reflect.ValueOf(dst)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("decode hyperparameters: need a pointer to a struct, got %T", dst)
	}
	fields := tagFields(v.Elem())
	for _, kv := range h {
		f, ok := fields[kv.Key]
		if !ok {
			return fmt.Errorf("unknown hyperparameter %q (allowed: %s)", kv.Key, strings.Join(sortedKeys(fields), ", "))
		}
		if err := setFromString(f, kv.Value); err != nil {
			return fmt.Errorf("hyperparameter %s=%q: %w", kv.Key, kv.Value, err)
		}
	}
	return nil
}

func setFromString(f reflect.Value, s string) error {
	switch f.Kind() {
	case reflect.Float64, reflect.Float32:
		x, err := parseFloat(s)
		if err != nil {
			return err
		}
		f.SetFloat(x)
	case reflect.Int, reflect.Int64:
		x, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			fl, ferr := strconv.ParseFloat(s, 64)
			if ferr != nil || fl != float64(int64(fl)) {
				return fmt.Errorf("want an integer")
			}
			x = int64(fl)
		}
		f.SetInt(x)
	case reflect.Bool:
		x, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("want true or false")
		}
		f.SetBool(x)
	case reflect.String:
		f.SetString(s)
	case reflect.Array:
		parts := strings.FieldsFunc(strings.Trim(s, "()[] "), func(r rune) bool { return r == '/' || r == ' ' || r == ';' })
		if len(parts) != f.Len() {
			return fmt.Errorf("want %d values separated by '/'", f.Len())
		}
		for i, p := range parts {
			if err := setFromString(f.Index(i), p); err != nil {
				return err
			}
		}
	case reflect.Slice:
		parts := strings.FieldsFunc(strings.Trim(s, "()[] "), func(r rune) bool { return r == '/' || r == ' ' || r == ';' })
		sl := reflect.MakeSlice(f.Type(), len(parts), len(parts))
		for i, p := range parts {
			if err := setFromString(sl.Index(i), p); err != nil {
				return err
			}
		}
		f.Set(sl)
	default:
		return fmt.Errorf("cannot be set from text")
	}
	return nil
}

// parseFloat parses a float; "0" (any spelling of zero) becomes Zero so an
// explicit zero never reads as "use the default".
func parseFloat(s string) (float64, error) {
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("want a number")
	}
	if x == 0 {
		x = Zero
	}
	return x, nil
}

// tagFields maps json tag names to the settable fields of struct v,
// descending into embedded structs.
func tagFields(v reflect.Value) map[string]reflect.Value {
	out := make(map[string]reflect.Value)
	t := v.Type()
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		if sf.Anonymous && sf.Type.Kind() == reflect.Struct {
			for k, f := range tagFields(v.Field(i)) {
				out[k] = f
			}
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		out[name] = v.Field(i)
	}
	return out
}

// tagIndexes caches tagIndex by struct type.
var tagIndexes sync.Map // reflect.Type → map[string][]int

// tagIndex maps json tag names to the field index paths of struct type t,
// as tagFields finds the fields; it is computed once per type.
func tagIndex(t reflect.Type) map[string][]int {
	if m, ok := tagIndexes.Load(t); ok {
		return m.(map[string][]int)
	}
	m := map[string][]int{}
	indexFields(t, nil, m)
	got, _ := tagIndexes.LoadOrStore(t, m)
	return got.(map[string][]int)
}

// indexFields adds the tagged fields of struct type t, under index path
// prefix, to m.
func indexFields(t reflect.Type, prefix []int, m map[string][]int) {
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		path := append(slices.Clip(prefix), i)
		if sf.Anonymous && sf.Type.Kind() == reflect.Struct {
			indexFields(sf.Type, path, m)
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		m[name] = path
	}
}

func sortedKeys(m map[string]reflect.Value) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// hyperField finds a float hyperparameter of config *cfg by key: a json tag
// name, "name.i" for an element of a pair, or beta1/beta2 for betas.i.
// It allocates nothing: schedules call it (through Hyper and SetHyper)
// at every step.
func hyperField(cfg any, key string) (reflect.Value, error) {
	v := reflect.ValueOf(cfg).Elem()
	fields := tagIndex(v.Type())
	name, idx := key, -1
	switch key {
	case "beta1":
		name, idx = "betas", 0
	case "beta2":
		name, idx = "betas", 1
	default:
		if n, i, ok := strings.Cut(key, "."); ok {
			k, err := strconv.Atoi(i)
			if err != nil {
				return reflect.Value{}, fmt.Errorf("hyperparameter %q: bad index", key)
			}
			name, idx = n, k
		}
	}
	path, ok := fields[name]
	if !ok {
		return reflect.Value{}, fmt.Errorf("no hyperparameter %q", key)
	}
	f := v.FieldByIndex(path)
	if idx >= 0 {
		if f.Kind() != reflect.Array || idx >= f.Len() {
			return reflect.Value{}, fmt.Errorf("hyperparameter %q: no element %d", name, idx)
		}
		f = f.Index(idx)
	}
	if f.Kind() != reflect.Float64 {
		return reflect.Value{}, fmt.Errorf("hyperparameter %q is not a number", key)
	}
	return f, nil
}

// builder makes an optimizer from hyperparameters.
type builder struct {
	name  string // PyTorch class name
	build func(Hyper, []*Param) (Optimizer, error)
}

var registry = map[string]builder{}

// register records constructor ctor under spec name key (lower case) for
// New; cfg's json tags are the hyperparameter names.
func register[C any](key, name string, ctor func([]*Param, C) (Optimizer, error)) {
	registry[key] = builder{name: name, build: func(h Hyper, params []*Param) (Optimizer, error) {
		var cfg C
		if err := h.Decode(&cfg); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return ctor(params, cfg)
	}}
}

// specHooks let an optimizer whose spec grammar goes beyond ParseSpec's
// (Lookahead's "lookahead:k=5+adam:lr=0.01") claim a spec before New parses
// it: a hook returns ok = false to leave the spec to ParseSpec.
var specHooks []func(spec string, params []*Param) (o Optimizer, ok bool, err error)

// New builds the optimizer a spec names, "adam:lr=0.001,betas=0.9/0.999",
// over one group of params. Names are PyTorch's class names in lower case
// (sgd, adam, adamw, ...); Names lists them.
func New(spec string, params []*Param) (Optimizer, error) {
	for _, hook := range specHooks {
		if o, ok, err := hook(spec, params); ok {
			return o, err
		}
	}
	name, h, err := ParseSpec(spec)
	if err != nil {
		return nil, err
	}
	return NewFromHyper(name, h, params)
}

// NewFromHyper builds optimizer name (a spec name or a PyTorch class name,
// any case) with hyperparameters h over one group of params.
func NewFromHyper(name string, h Hyper, params []*Param) (Optimizer, error) {
	b, ok := registry[strings.ToLower(name)]
	if !ok {
		return nil, fmt.Errorf("unknown optimizer %q (known: %s)", name, strings.Join(Names(), ", "))
	}
	return b.build(h, params)
}

// Names lists the optimizer names New accepts, sorted.
func Names() []string {
	names := make([]string, 0, len(registry))
	for k := range registry {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// checkNonNeg is PyTorch's check for a hyperparameter that must be >= 0:
// "invalid learning rate: -0.1".
func checkNonNeg(what string, v float64) error {
	if !(v >= 0) || math.IsInf(v, 1) {
		return fmt.Errorf("invalid %s: %v", what, v)
	}
	return nil
}

// checkBeta is PyTorch's check for a beta in [0, 1).
func checkBeta(i int, v float64) error {
	if !(v >= 0 && v < 1) {
		return fmt.Errorf("invalid beta parameter at index %d: %v (want 0 <= beta < 1)", i, v)
	}
	return nil
}

// checkAdamLike applies PyTorch's checks shared by the Adam family: lr and
// eps non-negative, each beta in [0, 1).
func checkAdamLike(lr, eps float64, betas [2]float64) error {
	if err := checkNonNeg("learning rate", lr); err != nil {
		return err
	}
	if err := checkNonNeg("epsilon value", eps); err != nil {
		return err
	}
	for i, b := range betas {
		if err := checkBeta(i, b); err != nil {
			return err
		}
	}
	return nil
}

// HyperFromJSON turns keyword arguments (PyTorch's, as JSON) into a Hyper: numbers as written,
// booleans, strings, and arrays as "a/b"; nulls are left out (PyTorch's
// None: the default).
func HyperFromJSON(args map[string]json.RawMessage) (Hyper, error) {
	keys := make([]string, 0, len(args))
	for k := range args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var h Hyper
	for _, k := range keys {
		d := json.NewDecoder(bytes.NewReader(args[k]))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		if v == nil {
			continue
		}
		s, err := jsonText(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		h = append(h, KV{Key: k, Value: s})
	}
	return h, nil
}

func jsonText(v any) (string, error) {
	switch v := v.(type) {
	case json.Number:
		return v.String(), nil
	case bool:
		return strconv.FormatBool(v), nil
	case string:
		return v, nil
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			s, err := jsonText(e)
			if err != nil {
				return "", err
			}
			parts[i] = s
		}
		return strings.Join(parts, "/"), nil
	}
	return "", fmt.Errorf("unsupported value %v", v)
}
