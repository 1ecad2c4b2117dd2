package autograd

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/descent-ml/descent/tensor"
)

// Func builds a value on g from inputs, which are parameters (gradients
// flow to them). The checks call it many times, on a Reset graph each
// time, with the inputs' values perturbed; it must compute the same
// function each time (reseed any random generator it uses).
type Func func(g *Graph[float64], inputs []*Var[float64]) *Var[float64]

// CheckOptions tunes GradCheck and GradGradCheck. Zero fields take the
// defaults, PyTorch's gradcheck ones.
type CheckOptions struct {
	Eps  float64 // finite-difference step (1e-6)
	Atol float64 // absolute tolerance (1e-5)
	Rtol float64 // relative tolerance (1e-3)
	Seed uint64  // seeds the random projection of the output and directions
}

func (o CheckOptions) withDefaults() CheckOptions {
	if o.Eps == 0 {
		o.Eps = 1e-6
	}
	if o.Atol == 0 {
		o.Atol = 1e-5
	}
	if o.Rtol == 0 {
		o.Rtol = 1e-3
	}
	return o
}

// CheckError reports a gradient that disagrees with finite differences.
type CheckError struct {
	What     string  // "gradient", "create-graph gradient" or "Hessian-vector product"
	Input    int     // which input
	Index    int     // which element of it
	Analytic float64 // the value computed by differentiation
	Numeric  float64 // the finite-difference value (the direct backward pass's, for a create-graph gradient)
}

// Error describes the mismatch: which input and element, both values and
// their difference.
func (e *CheckError) Error() string {
	if e.What == "create-graph gradient" {
		return fmt.Sprintf("autograd: %s of input %d, element %d: %.10g, direct backward %.10g (difference %.3g)",
			e.What, e.Input, e.Index, e.Analytic, e.Numeric, e.Analytic-e.Numeric)
	}
	return fmt.Sprintf("autograd: %s of input %d, element %d: analytic %.10g, numeric %.10g (difference %.3g)",
		e.What, e.Input, e.Index, e.Analytic, e.Numeric, e.Analytic-e.Numeric)
}

// checker evaluates a Func and its projected gradients.
type checker struct {
	f      Func
	g      *Graph[float64]
	params []*Var[float64]
	proj   *tensor.Tensor[float64] // r: the objective is Σ r·f
	opt    CheckOptions
}

func newChecker(f Func, inputs []*tensor.Tensor[float64], opt CheckOptions) (*checker, error) {
	c := &checker{f: f, g: NewGraph[float64](), opt: opt.withDefaults()}
	for i, in := range inputs {
		c.params = append(c.params, NewParam(fmt.Sprintf("input %d", i), in.Clone()))
	}
	out, err := c.build()
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(c.opt.Seed, 0x9e3779b97f4a7c15))
	c.proj = tensor.Zeros[float64](out.Value.Shape...)
	for i := range c.proj.Data {
		c.proj.Data[i] = rng.Float64()*2 - 1
	}
	return c, nil
}

// build runs f on a Reset graph.
func (c *checker) build() (*Var[float64], error) {
	c.g.Reset()
	out := c.f(c.g, c.params)
	if err := c.g.Err(); err != nil {
		return nil, err
	}
	if out == nil {
		return nil, fmt.Errorf("autograd: check: the function returned nil")
	}
	return out, nil
}

// objective returns Σ r·f at the current inputs.
func (c *checker) objective() (float64, error) {
	out, err := c.build()
	if err != nil {
		return 0, err
	}
	if len(out.Value.Data) != len(c.proj.Data) {
		return 0, fmt.Errorf("autograd: check: the function's output changed shape to %v", out.Value.Shape)
	}
	var s float64
	for i, v := range out.Value.Data {
		s += c.proj.Data[i] * v
	}
	return s, nil
}

// gradient returns ∇(Σ r·f) at the current inputs, by Backward.
func (c *checker) gradient() ([][]float64, error) {
	out, err := c.build()
	if err != nil {
		return nil, err
	}
	for _, p := range c.params {
		p.ZeroGrad()
	}
	if err := c.g.BackwardWith(out, c.proj); err != nil {
		return nil, err
	}
	res := make([][]float64, len(c.params))
	for i, p := range c.params {
		res[i] = append([]float64(nil), p.Grad.Data...)
	}
	return res, nil
}

func (c *checker) close(a, n float64) bool {
	return math.Abs(a-n) <= c.opt.Atol+c.opt.Rtol*math.Abs(n)
}

// GradCheck compares the gradients of f at inputs, as Backward computes
// them and as Grad with CreateGraph computes them, with central finite
// differences, for the objective Σ r·f(inputs) with a random r. It returns
// nil when every element agrees within Atol + Rtol·|numeric|, else a
// *CheckError for the first that does not (or the error f's graph
// recorded).
func GradCheck(f Func, inputs []*tensor.Tensor[float64], opt CheckOptions) error {
	c, err := newChecker(f, inputs, opt)
	if err != nil {
		return err
	}
	analytic, err := c.gradient()
	if err != nil {
		return err
	}
	// The recorded backward pass must agree with the direct one.
	out, err := c.build()
	if err != nil {
		return err
	}
	created, err := c.g.Grad(out, c.params, GradOptions[float64]{Seed: c.proj, CreateGraph: true})
	if err != nil {
		return err
	}
	for i, gv := range created {
		for j, v := range gv.Value.Data {
			if !c.close(v, analytic[i][j]) {
				return &CheckError{What: "create-graph gradient", Input: i, Index: j, Analytic: v, Numeric: analytic[i][j]}
			}
		}
	}
	for i, p := range c.params {
		for j := range p.Value.Data {
			x := p.Value.Data[j]
			p.Value.Data[j] = x + c.opt.Eps
			fp, err := c.objective()
			if err != nil {
				return err
			}
			p.Value.Data[j] = x - c.opt.Eps
			fm, err := c.objective()
			p.Value.Data[j] = x
			if err != nil {
				return err
			}
			num := (fp - fm) / (2 * c.opt.Eps)
			if !c.close(analytic[i][j], num) {
				return &CheckError{What: "gradient", Input: i, Index: j, Analytic: analytic[i][j], Numeric: num}
			}
		}
	}
	return nil
}

// GradGradCheck compares Hessian-vector products of the objective
// Σ r·f(inputs) (r random), computed by differentiating the recorded
// backward pass, with central finite differences of its gradient along a
// random direction v: (∇(x + εv) − ∇(x − εv))/2ε. Tolerances as in
// GradCheck.
func GradGradCheck(f Func, inputs []*tensor.Tensor[float64], opt CheckOptions) error {
	c, err := newChecker(f, inputs, opt)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(c.opt.Seed+1, 0x2545f4914f6cdd1d))
	v := make([]*tensor.Tensor[float64], len(c.params))
	hv := make([]*tensor.Tensor[float64], len(c.params))
	for i, p := range c.params {
		v[i] = tensor.Zeros[float64](p.Value.Shape...)
		hv[i] = tensor.Zeros[float64](p.Value.Shape...)
		for j := range v[i].Data {
			v[i].Data[j] = rng.Float64()*2 - 1
		}
	}
	out, err := c.build()
	if err != nil {
		return err
	}
	grads, err := c.g.Grad(out, c.params, GradOptions[float64]{Seed: c.proj, CreateGraph: true})
	if err != nil {
		return err
	}
	h := &HVP[float64]{g: c.g, params: c.params, grads: grads}
	if err := h.Apply(hv, v); err != nil {
		return err
	}
	step := func(s float64) ([][]float64, error) {
		saved := make([][]float64, len(c.params))
		for i, p := range c.params {
			saved[i] = append([]float64(nil), p.Value.Data...)
			for j := range p.Value.Data {
				p.Value.Data[j] += s * v[i].Data[j]
			}
		}
		gr, err := c.gradient()
		for i, p := range c.params {
			copy(p.Value.Data, saved[i])
		}
		return gr, err
	}
	gp, err := step(c.opt.Eps)
	if err != nil {
		return err
	}
	gm, err := step(-c.opt.Eps)
	if err != nil {
		return err
	}
	for i := range c.params {
		for j := range gp[i] {
			num := (gp[i][j] - gm[i][j]) / (2 * c.opt.Eps)
			if !c.close(hv[i].Data[j], num) {
				return &CheckError{What: "Hessian-vector product", Input: i, Index: j, Analytic: hv[i].Data[j], Numeric: num}
			}
		}
	}
	return nil
}
