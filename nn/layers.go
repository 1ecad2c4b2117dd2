package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/descent-ml/descent/autograd"
	"github.com/descent-ml/descent/tensor"
)

// Linear is PyTorch's nn.Linear: y = x·Wᵀ + b for x [..., In], with
// Weight [Out, In] and Bias [Out] (nil without bias).
type Linear[T tensor.Float] struct {
	mode
	In, Out int
	Weight  *autograd.Var[T]
	Bias    *autograd.Var[T]
}

// NewLinear returns a Linear layer initialised as PyTorch does: weights
// kaiming-uniform with a = √5, that is uniform in ±1/√in, and the bias
// uniform in ±1/√in, drawn from rng (weights first). A nil rng draws from
// a package-wide generator with a fixed seed.
func NewLinear[T tensor.Float](in, out int, bias bool, rng *rand.Rand) *Linear[T] {
	in, out = max(in, 0), max(out, 0)
	l := &Linear[T]{In: in, Out: out, Weight: param[T]("weight", out, in)}
	bound := fanInBound(in)
	uniform(l.Weight.Value.Data, bound, rng)
	if bias {
		l.Bias = param[T]("bias", out)
		uniform(l.Bias.Value.Data, bound, rng)
	}
	return l
}

// fanInBound is PyTorch's bound for kaiming_uniform_(a=√5) and for the
// bias: 1/√fan_in (0 for an empty layer).
func fanInBound(fanIn int) float64 {
	if fanIn <= 0 {
		return 0
	}
	return 1 / math.Sqrt(float64(fanIn))
}

// Forward applies the layer to x [..., In].
func (l *Linear[T]) Forward(g *autograd.Graph[T], x *autograd.Var[T]) (*autograd.Var[T], error) {
	s := x.Value.Shape
	if len(s) < 2 || s[len(s)-1] != l.In {
		return nil, autograd.ShapeErrorf("nn.Linear(in=%d, out=%d) with weight %v: input of shape %v, want [..., %d]",
			l.In, l.Out, l.Weight.Value.Shape, s, l.In)
	}
	y := g.MatMul(x, l.Weight, false, true)
	if l.Bias != nil {
		y = g.Add(y, l.Bias)
	}
	return y, g.Err()
}

// Parameters returns weight and, with a bias, bias.
func (l *Linear[T]) Parameters() []Parameter[T] {
	ps := []Parameter[T]{{"weight", l.Weight}}
	if l.Bias != nil {
		ps = append(ps, Parameter[T]{"bias", l.Bias})
	}
	return ps
}

// Buffers returns nothing: Linear has no buffers.
func (l *Linear[T]) Buffers() []NamedTensor[T] { return nil }

// Conv2dConfig holds nn.Conv2d's arguments; zero Stride means 1.
type Conv2dConfig struct {
	InChannels  int
	OutChannels int
	KernelSize  [2]int // KH, KW
	Stride      [2]int
	Padding     [2]int
	NoBias      bool // PyTorch's bias=False
}

// Conv2d is PyTorch's nn.Conv2d (dilation 1, one group) over NCHW
// batches: Weight [Out, In, KH, KW], Bias [Out] (nil without bias).
type Conv2d[T tensor.Float] struct {
	mode
	Config Conv2dConfig
	Weight *autograd.Var[T]
	Bias   *autograd.Var[T]
}

// NewConv2d returns a Conv2d layer initialised as PyTorch does: weights
// and bias uniform in ±1/√fan_in with fan_in = In·KH·KW, drawn from rng
// (weights first; nil: the package-wide generator).
func NewConv2d[T tensor.Float](cfg Conv2dConfig, rng *rand.Rand) *Conv2d[T] {
	in, out := max(cfg.InChannels, 0), max(cfg.OutChannels, 0)
	kh, kw := max(cfg.KernelSize[0], 0), max(cfg.KernelSize[1], 0)
	c := &Conv2d[T]{Config: cfg, Weight: param[T]("weight", out, in, kh, kw)}
	bound := fanInBound(in * kh * kw)
	uniform(c.Weight.Value.Data, bound, rng)
	if !cfg.NoBias {
		c.Bias = param[T]("bias", out)
		uniform(c.Bias.Value.Data, bound, rng)
	}
	return c
}

// window returns the layer's geometry.
func (c *Conv2d[T]) window() tensor.Window {
	cfg := c.Config
	return tensor.Window{KH: cfg.KernelSize[0], KW: cfg.KernelSize[1],
		SH: max(cfg.Stride[0], 1), SW: max(cfg.Stride[1], 1), PH: cfg.Padding[0], PW: cfg.Padding[1]}
}

// Forward convolves x [N, In, H, W] into [N, Out, OH, OW].
func (c *Conv2d[T]) Forward(g *autograd.Graph[T], x *autograd.Var[T]) (*autograd.Var[T], error) {
	s, cfg := x.Value.Shape, c.Config
	if len(s) != 4 || s[1] != cfg.InChannels {
		return nil, autograd.ShapeErrorf("nn.Conv2d(%d, %d, kernel %v) with weight %v: input of shape %v, want [N, %d, H, W]",
			cfg.InChannels, cfg.OutChannels, cfg.KernelSize, c.Weight.Value.Shape, s, cfg.InChannels)
	}
	win := c.window()
	if _, _, err := win.Out(s[2], s[3]); err != nil {
		return nil, fmt.Errorf("nn.Conv2d(%d, %d, kernel %v, stride %v, padding %v) on input %v: %w",
			cfg.InChannels, cfg.OutChannels, cfg.KernelSize, cfg.Stride, cfg.Padding, s, err)
	}
	y := g.Conv2d(x, c.Weight, c.Bias, win)
	return y, g.Err()
}

// Parameters returns weight and, with a bias, bias.
func (c *Conv2d[T]) Parameters() []Parameter[T] {
	ps := []Parameter[T]{{"weight", c.Weight}}
	if c.Bias != nil {
		ps = append(ps, Parameter[T]{"bias", c.Bias})
	}
	return ps
}

// Buffers returns nothing: Conv2d has no buffers.
func (c *Conv2d[T]) Buffers() []NamedTensor[T] { return nil }

// PoolConfig holds a pooling layer's window: zero Stride means the kernel
// size, as PyTorch's stride=None.
type PoolConfig struct {
	KernelSize [2]int
	Stride     [2]int
	Padding    [2]int
}

func (p PoolConfig) window() tensor.Window {
	sh, sw := p.Stride[0], p.Stride[1]
	if sh == 0 {
		sh = p.KernelSize[0]
	}
	if sw == 0 {
		sw = p.KernelSize[1]
	}
	return tensor.Window{KH: p.KernelSize[0], KW: p.KernelSize[1], SH: sh, SW: sw, PH: p.Padding[0], PW: p.Padding[1]}
}

// noParams is embedded by layers without parameters or buffers.
type noParams[T tensor.Float] struct{}

// Parameters returns nothing.
func (noParams[T]) Parameters() []Parameter[T] { return nil }

// Buffers returns nothing.
func (noParams[T]) Buffers() []NamedTensor[T] { return nil }

// MaxPool2d is PyTorch's nn.MaxPool2d (dilation 1, floor mode) over NCHW
// batches.
type MaxPool2d[T tensor.Float] struct {
	mode
	noParams[T]
	Config PoolConfig
}

// NewMaxPool2d returns a MaxPool2d layer.
func NewMaxPool2d[T tensor.Float](cfg PoolConfig) *MaxPool2d[T] { return &MaxPool2d[T]{Config: cfg} }

// Forward pools x [N, C, H, W].
func (p *MaxPool2d[T]) Forward(g *autograd.Graph[T], x *autograd.Var[T]) (*autograd.Var[T], error) {
	return pool(g, x, "nn.MaxPool2d", p.Config, g.MaxPool2d)
}

// AvgPool2d is PyTorch's nn.AvgPool2d (floor mode, padding counted in the
// mean) over NCHW batches.
type AvgPool2d[T tensor.Float] struct {
	mode
	noParams[T]
	Config PoolConfig
}

// NewAvgPool2d returns an AvgPool2d layer.
func NewAvgPool2d[T tensor.Float](cfg PoolConfig) *AvgPool2d[T] { return &AvgPool2d[T]{Config: cfg} }

// Forward pools x [N, C, H, W].
func (p *AvgPool2d[T]) Forward(g *autograd.Graph[T], x *autograd.Var[T]) (*autograd.Var[T], error) {
	return pool(g, x, "nn.AvgPool2d", p.Config, g.AvgPool2d)
}

func pool[T tensor.Float](g *autograd.Graph[T], x *autograd.Var[T], name string, cfg PoolConfig,
	op func(*autograd.Var[T], tensor.Window) *autograd.Var[T]) (*autograd.Var[T], error) {
	s := x.Value.Shape
	if len(s) != 4 {
		return nil, autograd.ShapeErrorf("%s(kernel %v): input of shape %v, want [N, C, H, W]", name, cfg.KernelSize, s)
	}
	win := cfg.window()
	if _, _, err := win.Out(s[2], s[3]); err != nil {
		return nil, fmt.Errorf("%s(kernel %v, stride %v, padding %v) on input %v: %w", name, cfg.KernelSize, cfg.Stride, cfg.Padding, s, err)
	}
	y := op(x, win)
	return y, g.Err()
}

// Flatten is PyTorch's nn.Flatten(): [N, d1, d2, …] → [N, d1·d2·…].
type Flatten[T tensor.Float] struct {
	mode
	noParams[T]
}

// NewFlatten returns a Flatten layer.
func NewFlatten[T tensor.Float]() *Flatten[T] { return &Flatten[T]{} }

// Forward flattens x.
func (f *Flatten[T]) Forward(g *autograd.Graph[T], x *autograd.Var[T]) (*autograd.Var[T], error) {
	if len(x.Value.Shape) < 1 {
		return nil, autograd.ShapeErrorf("nn.Flatten of a scalar")
	}
	y := g.Flatten(x)
	return y, g.Err()
}

// Dropout is PyTorch's nn.Dropout: in training it zeroes each element with
// probability P and scales the rest by 1/(1−P); in evaluation it passes
// its input through. Masks are drawn from Rng (nil: a generator seeded 0,
// made on first use).
type Dropout[T tensor.Float] struct {
	mode
	noParams[T]
	P   float64
	Rng *rand.Rand
}

// NewDropout returns a Dropout layer drawing its masks from rng.
func NewDropout[T tensor.Float](p float64, rng *rand.Rand) *Dropout[T] {
	return &Dropout[T]{P: p, Rng: rng}
}

// Forward applies dropout in training mode.
func (d *Dropout[T]) Forward(g *autograd.Graph[T], x *autograd.Var[T]) (*autograd.Var[T], error) {
	if !(d.P >= 0 && d.P <= 1) {
		return nil, fmt.Errorf("nn.Dropout: probability %v not in [0, 1]", d.P)
	}
	if !d.Training() || d.P == 0 {
		return x, nil
	}
	if d.Rng == nil {
		d.Rng = rand.New(rand.NewPCG(0, 0))
	}
	y := g.Dropout(x, d.P, d.Rng)
	return y, g.Err()
}
