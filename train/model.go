package train

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/descent-ml/descent/data"
	"github.com/descent-ml/descent/nn"
	"github.com/descent-ml/descent/tensor"
)

// MaxParams bounds the parameters of a model built from a spec (4 GiB of
// float32 weights).
const MaxParams = 1 << 30

// Net is a model built from a spec, with what feeding it needs.
type Net struct {
	// Spec is the resolved spec, as "mlp:784-128-10".
	Spec string
	// Module is the network, in float32.
	Module nn.Module[float32]
	// InShape is the shape of one example as the network reads it: [D]
	// for an MLP or a linear model, [C H W] for a CNN.
	InShape []int
	// Out is the number of outputs: the classes, or the targets.
	Out int
}

// outputs returns how many outputs a model for ds needs: one per class,
// or one per regression target.
func outputs(ds *data.Dataset) (int, error) {
	switch ds.Kind() {
	case data.Classification:
		return ds.NumClasses, nil
	case data.Regression:
		return ds.TargetDim, nil
	}
	return 0, fmt.Errorf("the data set has neither class labels nor regression targets")
}

// activation returns the hidden activation act names.
func activation[T tensor.Float](act string) (nn.Module[T], error) {
	switch act {
	case "", "relu":
		return nn.NewReLU[T](), nil
	case "sigmoid":
		return nn.NewSigmoid[T](), nil
	case "tanh":
		return nn.NewTanh[T](), nil
	case "gelu":
		return nn.NewGELU[T]("none"), nil
	case "leaky_relu":
		return nn.NewLeakyReLU[T](0.01), nil
	}
	return nil, fmt.Errorf("activation %q: want one of %s", act, strings.Join(Activations, ", "))
}

// BuildModel builds the network spec names (see Config.Model) for
// examples of shape inShape and out outputs, with hidden activation act,
// initialised as PyTorch initialises its layers from a generator seeded
// with seed.
func BuildModel(spec, act string, inShape []int, out int, seed uint64) (*Net, error) {
	m, err := buildModel[float32](spec, act, inShape, out, seed)
	if err != nil {
		return nil, err
	}
	return &Net{Spec: m.spec, Module: m.module, InShape: m.inShape, Out: out}, nil
}

// built is a model built from a spec in either precision.
type built[T tensor.Float] struct {
	spec    string
	module  nn.Module[T]
	inShape []int
}

// buildModel builds the network of BuildModel in precision T.
func buildModel[T tensor.Float](spec, act string, inShape []int, out int, seed uint64) (*built[T], error) {
	d := 1
	for _, v := range inShape {
		d *= v
	}
	if len(inShape) == 0 || d < 1 || out < 1 {
		return nil, fmt.Errorf("model %q: examples of shape %v with %d outputs", spec, inShape, out)
	}
	rng := rand.New(rand.NewPCG(seed, streamModel))
	name, arg, _ := strings.Cut(strings.TrimSpace(spec), ":")
	name = strings.ToLower(name)
	switch {
	case name == "" || name == "mlp":
		sizes := []int{d, DefaultHidden, out}
		if arg != "" {
			var err error
			if sizes, err = parseSizes(arg); err != nil {
				return nil, fmt.Errorf("model %q: %w", spec, err)
			}
		}
		if sizes[0] != d || sizes[len(sizes)-1] != out {
			want := append([]int{d}, sizes[1:len(sizes)-1]...)
			want = append(want, out)
			return nil, fmt.Errorf("model %q takes %d inputs and gives %d outputs, but the data has %d features and %d %s (use mlp:%s)",
				spec, sizes[0], sizes[len(sizes)-1], d, out, outputsWord(out), joinSizes(want))
		}
		total := 0
		for i := 1; i < len(sizes); i++ {
			if sizes[i-1] > MaxParams/sizes[i] {
				total = MaxParams + 1
				break
			}
			total += sizes[i-1]*sizes[i] + sizes[i]
		}
		if total > MaxParams {
			return nil, fmt.Errorf("model %q: more than %d parameters", spec, MaxParams)
		}
		var layers []nn.Module[T]
		for i := 1; i < len(sizes); i++ {
			if i > 1 {
				a, err := activation[T](act)
				if err != nil {
					return nil, err
				}
				layers = append(layers, a)
			}
			layers = append(layers, nn.NewLinear[T](sizes[i-1], sizes[i], true, rng))
		}
		return &built[T]{spec: "mlp:" + joinSizes(sizes), module: nn.NewSequential(layers...), inShape: []int{d}}, nil
	case name == "linear" && arg == "":
		if d > MaxParams/out {
			return nil, fmt.Errorf("model %q: more than %d parameters", spec, MaxParams)
		}
		m := nn.NewSequential[T](nn.NewLinear[T](d, out, true, rng))
		return &built[T]{spec: "linear", module: m, inShape: []int{d}}, nil
	case name == "lenet5" && arg == "" || name == "cnn" && strings.EqualFold(arg, "lenet5"):
		return lenet5[T](spec, act, inShape, out, rng)
	}
	return nil, fmt.Errorf("model %q: want mlp:IN-HIDDEN-...-OUT, mlp, linear or cnn:lenet5", spec)
}

func outputsWord(out int) string {
	if out == 1 {
		return "output"
	}
	return "outputs"
}

// lenet5 builds LeNet-5 as it is run on MNIST: conv 5×5×6 with padding 2,
// max-pool 2, conv 5×5×16, max-pool 2, Linear 120, 84, out, with act
// after every convolution and hidden Linear layer.
func lenet5[T tensor.Float](spec, act string, inShape []int, out int, rng *rand.Rand) (*built[T], error) {
	shape := inShape
	if len(shape) == 1 && shape[0] == 28*28 {
		shape = []int{1, 28, 28}
	}
	if len(shape) != 3 || shape[1] < 12 || shape[2] < 12 {
		return nil, fmt.Errorf("model %q needs images [C H W] of at least 12×12 (or 784 features read as [1 28 28]); the data's examples have shape %v", spec, inShape)
	}
	c, h, w := shape[0], shape[1], shape[2]
	oh, ow := (h/2-4)/2, (w/2-4)/2
	var layers []nn.Module[T]
	add := func(m nn.Module[T]) error {
		layers = append(layers, m)
		a, err := activation[T](act)
		if err != nil {
			return err
		}
		layers = append(layers, a)
		return nil
	}
	pool := nn.PoolConfig{KernelSize: nn.Pair(2)}
	if err := add(nn.NewConv2d[T](nn.Conv2dConfig{InChannels: c, OutChannels: 6, KernelSize: nn.Pair(5), Padding: nn.Pair(2)}, rng)); err != nil {
		return nil, err
	}
	layers = append(layers, nn.NewMaxPool2d[T](pool))
	_ = add(nn.NewConv2d[T](nn.Conv2dConfig{InChannels: 6, OutChannels: 16, KernelSize: nn.Pair(5)}, rng))
	layers = append(layers, nn.NewMaxPool2d[T](pool), nn.NewFlatten[T]())
	_ = add(nn.NewLinear[T](16*oh*ow, 120, true, rng))
	_ = add(nn.NewLinear[T](120, 84, true, rng))
	layers = append(layers, nn.NewLinear[T](84, out, true, rng))
	return &built[T]{spec: "cnn:lenet5", module: nn.NewSequential(layers...), inShape: shape}, nil
}

// parseSizes reads "784-128-10".
func parseSizes(s string) ([]int, error) {
	parts := strings.Split(s, "-")
	if len(parts) < 2 {
		return nil, fmt.Errorf("%q: want at least two layer sizes separated by '-', as 784-128-10", s)
	}
	sizes := make([]int, len(parts))
	for i, p := range parts {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || v < 1 {
			return nil, fmt.Errorf("layer size %q: want a positive integer", p)
		}
		sizes[i] = v
	}
	return sizes, nil
}

func joinSizes(sizes []int) string {
	parts := make([]string, len(sizes))
	for i, v := range sizes {
		parts[i] = strconv.Itoa(v)
	}
	return strings.Join(parts, "-")
}
