package landscape

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"

	"github.com/descent-ml/descent/nn"
	"github.com/descent-ml/descent/safetensors"
)

// The direction normalisations (Config.Norm).
const (
	// NormFilter scales each filter of a direction (a row of a Linear
	// weight, an output channel of a Conv2d weight) to the norm of the
	// matching filter of the weights, as Li et al. 2018 do.
	NormFilter = "filter"
	// NormLayer scales each parameter's direction to that parameter's
	// norm.
	NormLayer = "layer"
	// NormNone leaves the Gaussian direction as drawn.
	NormNone = "none"
)

// The choices of Config.Ignore.
const (
	// IgnoreBiasBN zeroes the direction on every parameter of fewer than
	// two dimensions: biases and normalisation scales and shifts.
	IgnoreBiasBN = "biasbn"
	// IgnoreNone perturbs those too: under filter or layer
	// normalisation their direction is the parameter itself, as the
	// reference loss-landscape code does.
	IgnoreNone = "none"
)

// Direction is a direction in parameter space: one tensor per parameter,
// under the parameter's name and with its shape.
type Direction []nn.NamedTensor[float32]

// RandomDirection draws a Gaussian direction for params from seed and
// normalises it (norm is NormFilter, NormLayer or NormNone; ignore is
// IgnoreBiasBN or IgnoreNone).
func RandomDirection(params []nn.Parameter[float32], seed uint64, norm, ignore string) (Direction, error) {
	if err := checkNorm(norm, ignore); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x6c616e64))
	d := make(Direction, len(params))
	for k, p := range params {
		w := p.Var.Value
		t := w.Clone()
		for i := range t.Data {
			t.Data[i] = float32(rng.NormFloat64())
		}
		d[k] = nn.NamedTensor[float32]{Name: p.Name, Tensor: t}
		if len(w.Shape) <= 1 {
			switch {
			case ignore == IgnoreBiasBN:
				clear(t.Data)
			case norm != NormNone:
				copy(t.Data, w.Data)
			}
			continue
		}
		switch norm {
		case NormFilter:
			rows := w.Shape[0]
			size := len(w.Data) / rows
			for r := range rows {
				scale(t.Data[r*size:(r+1)*size], w.Data[r*size:(r+1)*size])
			}
		case NormLayer:
			scale(t.Data, w.Data)
		}
	}
	return d, nil
}

// scale multiplies d by |w|/(|d|+1e-10).
func scale(d, w []float32) {
	s := norm2(w) / (norm2(d) + 1e-10)
	for i := range d {
		d[i] = float32(float64(d[i]) * s)
	}
}

// norm2 returns the Euclidean norm of x.
func norm2(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s)
}

func checkNorm(norm, ignore string) error {
	switch norm {
	case NormFilter, NormLayer, NormNone:
	default:
		return fmt.Errorf("norm %q: want %s, %s or %s", norm, NormFilter, NormLayer, NormNone)
	}
	switch ignore {
	case IgnoreBiasBN, IgnoreNone:
	default:
		return fmt.Errorf("ignore %q: want %s or %s", ignore, IgnoreBiasBN, IgnoreNone)
	}
	return nil
}

// SaveDirections writes directions to path as safetensors, each tensor
// named "dN.PARAM" (d0 for the x direction, d1 for y), with meta as the
// file's metadata.
func SaveDirections(path string, dirs []Direction, meta map[string]string) error {
	f := &safetensors.File{Metadata: meta}
	for i, d := range dirs {
		for _, t := range d {
			f.Tensors = append(f.Tensors, safetensors.Tensor{Name: fmt.Sprintf("d%d.%s", i, t.Name), DType: "F32",
				Shape: append([]int(nil), t.Tensor.Shape...), F32: t.Tensor.Data})
		}
	}
	out, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("directions: %w", err)
	}
	if err := safetensors.Write(out, f); err != nil {
		out.Close()
		return fmt.Errorf("directions %s: %w", path, err)
	}
	return out.Close()
}
