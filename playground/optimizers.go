package playground

import (
	"fmt"
	"math"
	"reflect"
	"strings"

	"github.com/descent-ml/descent/optim"
)

// OptimizerInfo describes one optimizer for the page's controls: its spec
// name, PyTorch's class name, and its hyperparameters with PyTorch's
// defaults.
type OptimizerInfo struct {
	Name   string       `json:"name"`  // the spec name: "sgd"
	Class  string       `json:"class"` // PyTorch's class (or the paper's) name: "SGD"
	Params []HyperParam `json:"params"`
}

// HyperParam is one hyperparameter of an optimizer, by PyTorch's keyword
// name, with its type and default.
type HyperParam struct {
	Key string `json:"key"` // "lr", "betas", "nesterov"
	// Type is "float", "int", "bool", "string" or "pair" (two floats,
	// written "a/b" in a spec).
	Type    string `json:"type"`
	Default any    `json:"default"` // a number, a bool, a string, or two numbers
}

// Optimizers describes every optimizer that can race over a point: all of
// optim.Names() but the wrappers that need an inner optimizer (lookahead)
// and those that take only sparse gradients (sparseadam). The defaults are
// read from an optimizer built with no hyperparameters over a 2-vector, so
// they are the ones optim itself applies.
func Optimizers() []OptimizerInfo {
	var out []OptimizerInfo
	for _, name := range optim.Names() {
		if name == "lookahead" || name == "sparseadam" {
			continue
		}
		info, err := describe(name)
		if err != nil {
			continue
		}
		out = append(out, info)
	}
	return out
}

// describe builds optimizer name over a dummy point and reads its
// resolved config through its Defaults method.
func describe(name string) (OptimizerInfo, error) {
	x, g := make([]float64, 2), make([]float64, 2)
	opt, err := optim.New(name, []*optim.Param{optim.NewParam("x", x, g)})
	if err != nil {
		return OptimizerInfo{}, err
	}
	m := reflect.ValueOf(opt).MethodByName("Defaults")
	if !m.IsValid() || m.Type().NumIn() != 0 || m.Type().NumOut() != 1 || m.Type().Out(0).Kind() != reflect.Struct {
		return OptimizerInfo{}, fmt.Errorf("%s: no Defaults method", name)
	}
	cfg := m.Call(nil)[0]
	info := OptimizerInfo{Name: name, Class: opt.Name(), Params: []HyperParam{}}
	appendParams(&info.Params, cfg)
	return info, nil
}

// appendParams lists the json-tagged fields of struct v, descending into
// embedded structs.
func appendParams(out *[]HyperParam, v reflect.Value) {
	t := v.Type()
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		f := v.Field(i)
		if sf.Anonymous && f.Kind() == reflect.Struct {
			appendParams(out, f)
			continue
		}
		key, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if key == "" || key == "-" {
			continue
		}
		p := HyperParam{Key: key}
		switch f.Kind() {
		case reflect.Float64, reflect.Float32:
			p.Type, p.Default = "float", plain(f.Float())
		case reflect.Int, reflect.Int64:
			p.Type, p.Default = "int", f.Int()
		case reflect.Bool:
			p.Type, p.Default = "bool", f.Bool()
		case reflect.String:
			p.Type, p.Default = "string", f.String()
		case reflect.Array:
			if f.Len() != 2 || (f.Type().Elem().Kind() != reflect.Float64) {
				continue
			}
			p.Type, p.Default = "pair", []float64{plain(f.Index(0).Float()), plain(f.Index(1).Float())}
		default:
			continue
		}
		*out = append(*out, p)
	}
}

// plain turns optim.Zero (−0, an explicit zero) into 0 and a value JSON
// cannot hold into 0.
func plain(v float64) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}
