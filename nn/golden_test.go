package nn

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/descent-ml/descent/autograd"
	"github.com/descent-ml/descent/tensor"
)

// goldenDir holds PyTorch's forward and backward passes of layers and
// losses; every file in it is replayed.
const goldenDir = "../testdata/torch/nn"

type goldenTensor struct {
	Name  string    `json:"name"`
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

func (gt goldenTensor) tensor() *tensor.Tensor[float64] {
	return &tensor.Tensor[float64]{Shape: append([]int{}, gt.Shape...), Data: append([]float64(nil), gt.Data...)}
}

type goldenCase struct {
	Name         string                     `json:"name"`
	Layer        string                     `json:"layer"`
	Config       map[string]json.RawMessage `json:"config"`
	Train        bool                       `json:"train"`
	DType        string                     `json:"dtype"`
	Inputs       []goldenTensor             `json:"inputs"`
	Params       []goldenTensor             `json:"params"`
	Buffers      []goldenTensor             `json:"buffers"`
	Output       goldenTensor               `json:"output"`
	GradOutput   goldenTensor               `json:"grad_output"`
	GradInputs   []goldenTensor             `json:"grad_inputs"`
	GradParams   []goldenTensor             `json:"grad_params"`
	BuffersAfter []goldenTensor             `json:"buffers_after"`
}

// config reads PyTorch constructor arguments.
type config struct {
	m   map[string]json.RawMessage
	err error
}

func (c *config) get(key string, dst any) bool {
	raw, ok := c.m[key]
	if !ok {
		return false
	}
	if err := json.Unmarshal(raw, dst); err != nil && c.err == nil {
		c.err = fmt.Errorf("config %q: %v", key, err)
	}
	return true
}

func (c *config) int(key string, def int) int {
	v := def
	c.get(key, &v)
	return v
}

func (c *config) float(key string, def float64) float64 {
	v := def
	c.get(key, &v)
	return v
}

func (c *config) bool(key string, def bool) bool {
	v := def
	c.get(key, &v)
	return v
}

func (c *config) string(key, def string) string {
	v := def
	c.get(key, &v)
	return v
}

// pair reads an int or a pair of ints (kernel_size=3 or [3, 3]).
func (c *config) pair(key string, def [2]int) [2]int {
	raw, ok := c.m[key]
	if !ok {
		return def
	}
	var k int
	if json.Unmarshal(raw, &k) == nil {
		return Pair(k)
	}
	var p []int
	if err := json.Unmarshal(raw, &p); err != nil || len(p) != 2 {
		if c.err == nil {
			c.err = fmt.Errorf("config %q: want an int or two, have %s", key, raw)
		}
		return def
	}
	return [2]int{p[0], p[1]}
}

// require records an error unless the config's key is absent or equals
// want (an argument descent does not support otherwise).
func (c *config) require(key string, want any) {
	raw, ok := c.m[key]
	if !ok {
		return
	}
	w, _ := json.Marshal(want)
	var a, b any
	_ = json.Unmarshal(raw, &a)
	_ = json.Unmarshal(w, &b)
	if fmt.Sprint(a) != fmt.Sprint(b) && c.err == nil {
		c.err = fmt.Errorf("config %q = %s is not supported (want %s)", key, raw, w)
	}
}

// replay is what a golden case needs from a layer or loss.
type replay struct {
	module Module[float64]
	// forward runs the case: input leaves by name, and the graph.
	forward func(g *autograd.Graph[float64], in map[string]*autograd.Var[float64]) (*autograd.Var[float64], error)
}

func intsOf(t goldenTensor) []int {
	ids := make([]int, len(t.Data))
	for i, v := range t.Data {
		ids[i] = int(v)
	}
	return ids
}

// build maps a case's layer and config to descent's layer or loss.
func build(gc *goldenCase) (*replay, error) {
	c := &config{m: gc.Config}
	var m Module[float64]
	var fwd func(g *autograd.Graph[float64], in map[string]*autograd.Var[float64]) (*autograd.Var[float64], error)
	classTargets := func() []int {
		for _, t := range gc.Inputs {
			if t.Name == "target" {
				return intsOf(t)
			}
		}
		return nil
	}
	reduction := func() Reduction {
		r, err := autograd.ParseReduction(c.string("reduction", "mean"))
		if err != nil && c.err == nil {
			c.err = err
		}
		return r
	}
	switch gc.Layer {
	case "Linear":
		m = NewLinear[float64](c.int("in_features", 0), c.int("out_features", 0), c.bool("bias", true), nil)
	case "Conv2d":
		c.require("dilation", []int{1, 1})
		c.require("groups", 1)
		m = NewConv2d[float64](Conv2dConfig{
			InChannels: c.int("in_channels", 0), OutChannels: c.int("out_channels", 0),
			KernelSize: c.pair("kernel_size", [2]int{}), Stride: c.pair("stride", Pair(1)),
			Padding: c.pair("padding", Pair(0)), NoBias: !c.bool("bias", true),
		}, nil)
	case "MaxPool2d", "AvgPool2d":
		c.require("dilation", 1)
		c.require("ceil_mode", false)
		c.require("count_include_pad", true)
		cfg := PoolConfig{KernelSize: c.pair("kernel_size", [2]int{}), Stride: c.pair("stride", [2]int{}), Padding: c.pair("padding", Pair(0))}
		if gc.Layer == "MaxPool2d" {
			m = NewMaxPool2d[float64](cfg)
		} else {
			m = NewAvgPool2d[float64](cfg)
		}
	case "ReLU":
		m = NewReLU[float64]()
	case "LeakyReLU":
		m = NewLeakyReLU[float64](c.float("negative_slope", 0.01))
	case "Sigmoid":
		m = NewSigmoid[float64]()
	case "Tanh":
		m = NewTanh[float64]()
	case "GELU":
		m = NewGELU[float64](c.string("approximate", "none"))
	case "Softmax":
		m = NewSoftmax[float64](c.int("dim", -1))
	case "LogSoftmax":
		m = NewLogSoftmax[float64](c.int("dim", -1))
	case "Flatten":
		c.require("start_dim", 1)
		c.require("end_dim", -1)
		m = NewFlatten[float64]()
	case "LayerNorm":
		var shape []int
		c.get("normalized_shape", &shape)
		c.require("elementwise_affine", true)
		ln := NewLayerNorm[float64](shape...)
		ln.Eps = c.float("eps", 1e-5)
		m = ln
	case "BatchNorm1d", "BatchNorm2d":
		n := c.int("num_features", 0)
		var bn *BatchNorm[float64]
		if gc.Layer == "BatchNorm1d" {
			bn = NewBatchNorm1d[float64](n)
		} else {
			bn = NewBatchNorm2d[float64](n)
		}
		bn.Eps, bn.Momentum = c.float("eps", 1e-5), c.float("momentum", 0.1)
		if !c.bool("affine", true) {
			bn.Weight, bn.Bias = nil, nil
		}
		if !c.bool("track_running_stats", true) {
			bn.RunningMean, bn.RunningVar = nil, nil
		}
		m = bn
	case "Embedding":
		c.require("padding_idx", nil)
		e := NewEmbedding[float64](c.int("num_embeddings", 0), c.int("embedding_dim", 0), c.bool("sparse", false), nil)
		m = e
		fwd = func(g *autograd.Graph[float64], in map[string]*autograd.Var[float64]) (*autograd.Var[float64], error) {
			for _, t := range gc.Inputs {
				if t.Name == "indices" {
					return e.Lookup(g, intsOf(t), t.Shape...)
				}
			}
			return nil, fmt.Errorf("no indices input")
		}
	case "CrossEntropyLoss":
		l := CrossEntropyLoss[float64]{Reduction: reduction()}
		fwd = func(g *autograd.Graph[float64], in map[string]*autograd.Var[float64]) (*autograd.Var[float64], error) {
			return l.Forward(g, in["input"], classTargets())
		}
	case "NLLLoss":
		l := NLLLoss[float64]{Reduction: reduction()}
		fwd = func(g *autograd.Graph[float64], in map[string]*autograd.Var[float64]) (*autograd.Var[float64], error) {
			return l.Forward(g, in["input"], classTargets())
		}
	case "MSELoss":
		l := MSELoss[float64]{Reduction: reduction()}
		fwd = func(g *autograd.Graph[float64], in map[string]*autograd.Var[float64]) (*autograd.Var[float64], error) {
			return l.Forward(g, in["input"], in["target"])
		}
	case "BCEWithLogitsLoss":
		l := BCEWithLogitsLoss[float64]{Reduction: reduction()}
		fwd = func(g *autograd.Graph[float64], in map[string]*autograd.Var[float64]) (*autograd.Var[float64], error) {
			return l.Forward(g, in["input"], in["target"])
		}
	default:
		return nil, fmt.Errorf("layer %q has no descent counterpart", gc.Layer)
	}
	if c.err != nil {
		return nil, c.err
	}
	if fwd == nil {
		fwd = func(g *autograd.Graph[float64], in map[string]*autograd.Var[float64]) (*autograd.Var[float64], error) {
			return m.Forward(g, in["input"])
		}
	}
	return &replay{module: m, forward: fwd}, nil
}

// mismatch returns a description of the first element of got that differs
// from want by more than 1e-12 + 1e-9·|want|, or "".
func mismatch(got []float64, gotShape []int, want goldenTensor) string {
	if len(got) != len(want.Data) || !sameShape(gotShape, want.Shape) {
		return fmt.Sprintf("shape %v, want %v", gotShape, want.Shape)
	}
	for i, w := range want.Data {
		if d := math.Abs(got[i] - w); !(d <= 1e-12+1e-9*math.Abs(w)) {
			return fmt.Sprintf("element %d = %.17g, want %.17g (difference %.3g)", i, got[i], w, got[i]-w)
		}
	}
	return ""
}

func sameShape(a, b []int) bool {
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

func TestGoldenTorch(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(goldenDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no golden files in %s", goldenDir)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			base := filepath.Base(file)
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var gc goldenCase
			if err := json.Unmarshal(raw, &gc); err != nil {
				t.Fatalf("%s: %v", base, err)
			}
			if gc.DType != "" && gc.DType != "float64" {
				t.Fatalf("%s: dtype %q, want float64", base, gc.DType)
			}
			rp, err := build(&gc)
			if err != nil {
				t.Fatalf("%s: layer %s: %v", base, gc.Layer, err)
			}
			m := rp.module
			if m != nil {
				if err := setNamed(m.Parameters(), gc.Params); err != nil {
					t.Fatalf("%s: params: %v", base, err)
				}
				if err := setBuffers(m.Buffers(), gc.Buffers); err != nil {
					t.Fatalf("%s: buffers: %v", base, err)
				}
				if gc.Train {
					m.Train()
				} else {
					m.Eval()
				}
			}
			g := autograd.NewGraph[float64]()
			in := make(map[string]*autograd.Var[float64])
			for _, x := range gc.Inputs {
				if x.Name == "input" {
					in[x.Name] = autograd.NewParam(x.Name, x.tensor()) // the input gets a gradient
				} else {
					in[x.Name] = g.Input(x.tensor())
				}
			}
			out, err := rp.forward(g, in)
			if err != nil {
				t.Fatalf("%s: forward: %v", base, err)
			}
			if s := mismatch(out.Value.Data, out.Value.Shape, gc.Output); s != "" {
				t.Errorf("%s: output: %s", base, s)
			}
			if err := g.BackwardWith(out, gc.GradOutput.tensor()); err != nil {
				t.Fatalf("%s: backward: %v", base, err)
			}
			for _, want := range gc.GradInputs {
				x, ok := in[want.Name]
				if !ok {
					t.Errorf("%s: grad_inputs: no input %q", base, want.Name)
					continue
				}
				if s := mismatch(x.Grad.Data, x.Grad.Shape, want); s != "" {
					t.Errorf("%s: grad_inputs[%s]: %s", base, want.Name, s)
				}
			}
			var params []Parameter[float64]
			var buffers []NamedTensor[float64]
			if m != nil {
				params, buffers = m.Parameters(), m.Buffers()
			}
			if len(gc.GradParams) != len(params) {
				t.Errorf("%s: grad_params: %d in the file, the layer has %d parameters", base, len(gc.GradParams), len(params))
			}
			for _, want := range gc.GradParams {
				p := findParam(params, want.Name)
				if p == nil {
					t.Errorf("%s: grad_params: the layer has no parameter %q", base, want.Name)
					continue
				}
				if s := mismatch(p.Grad.Data, p.Grad.Shape, want); s != "" {
					t.Errorf("%s: grad_params[%s]: %s", base, want.Name, s)
				}
			}
			if len(gc.BuffersAfter) != len(buffers) {
				t.Errorf("%s: buffers_after: %d in the file, the layer has %d buffers", base, len(gc.BuffersAfter), len(buffers))
			}
			for _, want := range gc.BuffersAfter {
				b := findBuffer(buffers, want.Name)
				if b == nil {
					t.Errorf("%s: buffers_after: the layer has no buffer %q", base, want.Name)
					continue
				}
				if s := mismatch(b.Data, b.Shape, want); s != "" {
					t.Errorf("%s: buffers_after[%s]: %s", base, want.Name, s)
				}
			}
		})
	}
}

func findParam(ps []Parameter[float64], name string) *autograd.Var[float64] {
	for _, p := range ps {
		if p.Name == name {
			return p.Var
		}
	}
	return nil
}

func findBuffer(bs []NamedTensor[float64], name string) *tensor.Tensor[float64] {
	for _, b := range bs {
		if b.Name == name {
			return b.Tensor
		}
	}
	return nil
}

func setNamed(ps []Parameter[float64], vals []goldenTensor) error {
	if len(ps) != len(vals) {
		return fmt.Errorf("%d in the file, the layer has %d", len(vals), len(ps))
	}
	for _, v := range vals {
		p := findParam(ps, v.Name)
		if p == nil {
			return fmt.Errorf("the layer has no parameter %q", v.Name)
		}
		if !sameShape(p.Value.Shape, v.Shape) {
			return fmt.Errorf("%q has shape %v, the file's is %v", v.Name, p.Value.Shape, v.Shape)
		}
		copy(p.Value.Data, v.Data)
	}
	return nil
}

func setBuffers(bs []NamedTensor[float64], vals []goldenTensor) error {
	if len(bs) != len(vals) {
		return fmt.Errorf("%d in the file, the layer has %d", len(vals), len(bs))
	}
	for _, v := range vals {
		b := findBuffer(bs, v.Name)
		if b == nil {
			return fmt.Errorf("the layer has no buffer %q", v.Name)
		}
		if !sameShape(b.Shape, v.Shape) {
			return fmt.Errorf("%q has shape %v, the file's is %v", v.Name, b.Shape, v.Shape)
		}
		copy(b.Data, v.Data)
	}
	return nil
}
