package optim

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/descent-ml/descent/internal/parallel"
)

// LookaheadConfig holds Lookahead's hyperparameters; the zero value is the
// paper's default (k 5, alpha 0.5).
type LookaheadConfig struct {
	K     int     `json:"k"`     // inner steps between synchronisations (default 5)
	Alpha float64 `json:"alpha"` // slow-weight step size α in (0, 1] (default 0.5)
}

// Lookahead is the optimizer wrapper of Zhang, Lucas, Hinton and Ba
// (2019), "Lookahead Optimizer: k steps forward, 1 step back",
// arXiv:1907.08610 (Algorithm 1). It keeps a slow copy φ of the weights
// and lets any inner optimizer move the fast weights θ:
//
//	φ ← θ                          before the first step
//	θ ← inner step of θ            every step
//	every k-th step:  φ ← φ + α(θ − φ),  θ ← φ
//
// Steps that the inner optimizer skips for a non-finite gradient, or that
// fail, are not counted. Slow weights are taken from the parameters at the
// first step (not at construction), so parameters loaded after building
// the optimizer are honoured; a parameter added to the inner optimizer
// later gets its slow copy at its first step.
//
// Lookahead implements the whole [Optimizer] interface by delegating to
// the inner optimizer: Hyper and SetHyper reach the inner optimizer's
// hyperparameters ("lr", ...), so schedules work unchanged. Its state dict
// is the inner optimizer's with, for every parameter, an extra buffer
// "lookahead_slow" (φ), and Extra["lookahead"] holding k, alpha and the
// step counter; its Optimizer field reads "Lookahead(INNER)".
//
// In a spec the inner optimizer's spec follows a '+':
//
//	lookahead:k=5,alpha=0.5+adam:lr=0.01,betas=0.9/0.999
//	lookahead+sgd:lr=0.1,momentum=0.9
//
// The '+' that separates them is the first one followed by a letter (so
// "1e+3" is a number). Through NewFromHyper, the key "inner" carries the
// inner spec instead (inner=adam:lr=0.01 — its keys may also be separated
// by ';' where ',' is not available).
type Lookahead struct {
	inner Optimizer
	cfg   LookaheadConfig
	step  int64
	slow  map[*Param]any // []float32 or []float64, φ of each parameter
}

// lookaheadSpec is what New and NewFromHyper decode: Lookahead's config
// and the inner optimizer's spec.
type lookaheadSpec struct {
	LookaheadConfig
	Inner string `json:"inner"`
}

// lookaheadExtra is Lookahead's own state in StateDict.Extra["lookahead"].
type lookaheadExtra struct {
	K     int     `json:"k"`
	Alpha float64 `json:"alpha"`
	Step  int64   `json:"step"`
}

const (
	lookaheadKey  = "lookahead"
	lookaheadSlow = "lookahead_slow"
)

func init() {
	register("lookahead", "Lookahead", func(p []*Param, c lookaheadSpec) (Optimizer, error) {
		if strings.TrimSpace(c.Inner) == "" {
			return nil, errors.New("Lookahead: no inner optimizer: write its spec after '+', as lookahead:k=5,alpha=0.5+adam:lr=0.01")
		}
		inner, err := New(strings.ReplaceAll(c.Inner, ";", ","), p)
		if err != nil {
			return nil, fmt.Errorf("Lookahead: inner optimizer: %w", err)
		}
		return NewLookahead(inner, c.LookaheadConfig)
	})
	specHooks = append(specHooks, lookaheadSpecHook)
}

// lookaheadSpecHook claims specs "lookahead[:keys]+INNER".
func lookaheadSpecHook(spec string, params []*Param) (Optimizer, bool, error) {
	s := strings.TrimSpace(spec)
	name := s
	if i := strings.IndexAny(s, ":+"); i >= 0 {
		name = s[:i]
	}
	if !strings.EqualFold(strings.TrimSpace(name), "lookahead") {
		return nil, false, nil
	}
	outer, inner, ok := splitLookaheadSpec(s)
	if !ok {
		return nil, false, nil // no '+': the registry's "lookahead" reports it
	}
	_, h, err := ParseSpec(outer)
	if err != nil {
		return nil, true, err
	}
	var c lookaheadSpec
	if err := h.Decode(&c); err != nil {
		return nil, true, fmt.Errorf("Lookahead: %w", err)
	}
	if c.Inner != "" {
		return nil, true, fmt.Errorf("spec %q: give the inner optimizer after '+' or as inner=, not both", spec)
	}
	in, err := New(inner, params)
	if err != nil {
		return nil, true, fmt.Errorf("Lookahead: inner optimizer: %w", err)
	}
	o, err := NewLookahead(in, c.LookaheadConfig)
	return o, true, err
}

// splitLookaheadSpec cuts s at its first '+' followed (after spaces) by a
// letter.
func splitLookaheadSpec(s string) (outer, inner string, ok bool) {
	for i := 0; i < len(s); i++ {
		if s[i] != '+' {
			continue
		}
		rest := strings.TrimLeft(s[i+1:], " \t")
		if rest != "" && unicode.IsLetter(rune(rest[0])) {
			return s[:i], rest, true
		}
	}
	return "", "", false
}

// NewLookahead wraps inner, which keeps its parameters, groups and
// hyperparameters.
func NewLookahead(inner Optimizer, cfg LookaheadConfig) (*Lookahead, error) {
	if inner == nil {
		return nil, errors.New("Lookahead: nil inner optimizer")
	}
	if _, ok := inner.(*Lookahead); ok {
		return nil, errors.New("Lookahead: the inner optimizer is already a Lookahead")
	}
	if err := resolveLookahead(&cfg); err != nil {
		return nil, fmt.Errorf("Lookahead: %w", err)
	}
	return &Lookahead{inner: inner, cfg: cfg, slow: make(map[*Param]any)}, nil
}

func resolveLookahead(c *LookaheadConfig) error {
	if c.K == 0 {
		c.K = 5
	}
	c.Alpha = OrDefault(c.Alpha, 0.5)
	if c.K < 1 {
		return fmt.Errorf("invalid k: %d (want k >= 1)", c.K)
	}
	if !(c.Alpha > 0 && c.Alpha <= 1) {
		a := c.Alpha
		if a == 0 {
			a = 0 // Zero prints as 0, not -0
		}
		return fmt.Errorf("invalid alpha: %v (want 0 < alpha <= 1)", a)
	}
	return nil
}

// Inner returns the wrapped optimizer.
func (o *Lookahead) Inner() Optimizer { return o.inner }

// Config returns k and alpha.
func (o *Lookahead) Config() LookaheadConfig { return o.cfg }

// Steps reports the inner steps counted so far.
func (o *Lookahead) Steps() int64 { return o.step }

// Name returns "Lookahead(INNER)", INNER being the inner optimizer's name.
func (o *Lookahead) Name() string { return "Lookahead(" + o.inner.Name() + ")" }

// Step makes one inner step and, every k-th counted step, moves the slow
// weights toward the fast ones and resets the fast weights to them.
func (o *Lookahead) Step() error {
	return o.afterStep(o.inner.Step)
}

// StepClosure makes one inner step with closure, as Step, and returns the
// loss the inner optimizer reports.
func (o *Lookahead) StepClosure(closure Closure) (float64, error) {
	var loss float64
	err := o.afterStep(func() error {
		var err error
		loss, err = o.inner.StepClosure(closure)
		return err
	})
	return loss, err
}

func (o *Lookahead) afterStep(step func() error) error {
	o.initSlow()
	skipped := o.inner.Skipped()
	if err := step(); err != nil {
		return err
	}
	if o.inner.Skipped() != skipped {
		return nil
	}
	o.step++
	if o.step%int64(o.cfg.K) == 0 {
		o.sync()
	}
	return nil
}

// forParams calls f for every parameter of the inner optimizer with its
// index across groups, in order.
func (o *Lookahead) forParams(f func(i int, p *Param)) {
	i := 0
	for g := range o.inner.NumGroups() {
		for _, p := range o.inner.Params(g) {
			f(i, p)
			i++
		}
	}
}

// initSlow gives every parameter without one a slow copy of its values.
func (o *Lookahead) initSlow() {
	o.forParams(func(_ int, p *Param) {
		if o.slow[p] != nil {
			return
		}
		if p.F64 != nil {
			o.slow[p] = append([]float64(nil), p.F64...)
		} else {
			o.slow[p] = append([]float32(nil), p.F32...)
		}
	})
}

func (o *Lookahead) sync() {
	alpha := o.cfg.Alpha
	o.forParams(func(_ int, p *Param) {
		switch s := o.slow[p].(type) {
		case []float64:
			lookaheadSync(s, p.F64, alpha)
		case []float32:
			lookaheadSync(s, p.F32, float32(alpha))
		}
	})
}

// lookaheadSync sets φ ← φ + α(θ − φ), θ ← φ.
func lookaheadSync[T Float](slow, x []T, alpha T) {
	parallel.For(len(x), grain, func(lo, hi int) {
		s, x := slow[lo:hi], x[lo:hi]
		for i := range x {
			v := s[i] + alpha*(x[i]-s[i])
			s[i], x[i] = v, v
		}
	})
}

// ZeroGrad zeroes every parameter's gradient.
func (o *Lookahead) ZeroGrad() { o.inner.ZeroGrad() }

// NumGroups reports the inner optimizer's number of parameter groups.
func (o *Lookahead) NumGroups() int { return o.inner.NumGroups() }

// Params returns the parameters of group g.
func (o *Lookahead) Params(g int) []*Param { return o.inner.Params(g) }

// Hyper returns the inner optimizer's hyperparameter key of group g.
func (o *Lookahead) Hyper(g int, key string) (float64, error) { return o.inner.Hyper(g, key) }

// SetHyper sets the inner optimizer's hyperparameter key of group g.
func (o *Lookahead) SetHyper(g int, key string, v float64) error { return o.inner.SetHyper(g, key, v) }

// SetNonFinite sets the inner optimizer's non-finite policy.
func (o *Lookahead) SetNonFinite(p NonFinite) { o.inner.SetNonFinite(p) }

// Skipped reports the inner optimizer's skipped steps.
func (o *Lookahead) Skipped() int { return o.inner.Skipped() }

// StateDict returns the inner optimizer's state dict with the slow weights
// as per-parameter buffers "lookahead_slow" and k, alpha and the step
// counter in Extra["lookahead"].
func (o *Lookahead) StateDict() *StateDict {
	sd := o.inner.StateDict()
	sd.Optimizer = o.Name()
	if sd.State == nil {
		sd.State = make(map[int]*State)
	}
	o.forParams(func(i int, p *Param) {
		var c any
		switch s := o.slow[p].(type) {
		case []float64:
			c = append([]float64(nil), s...)
		case []float32:
			c = append([]float32(nil), s...)
		default:
			return
		}
		st := sd.State[i]
		if st == nil {
			st = &State{}
			sd.State[i] = st
		}
		st.SetBuf(lookaheadSlow, c)
	})
	ex, err := json.Marshal(lookaheadExtra{K: o.cfg.K, Alpha: o.cfg.Alpha, Step: o.step})
	if err != nil {
		panic(fmt.Sprintf("optim: Lookahead state does not encode: %v", err))
	}
	extra := make(map[string]json.RawMessage, len(sd.Extra)+1)
	for k, v := range sd.Extra {
		extra[k] = v
	}
	extra[lookaheadKey] = ex
	sd.Extra = extra
	return sd
}

// LoadStateDict restores the inner optimizer's state, the slow weights
// and the step counter from sd, which must come from a Lookahead over the
// same kind of inner optimizer. Nothing changes when it fails.
func (o *Lookahead) LoadStateDict(sd *StateDict) error {
	innerName, ok := strings.CutPrefix(sd.Optimizer, "Lookahead(")
	innerName, ok2 := strings.CutSuffix(innerName, ")")
	raw, ok3 := sd.Extra[lookaheadKey]
	if !ok || !ok2 || !ok3 {
		return fmt.Errorf("load state: saved by %s, not %s", sd.Optimizer, o.Name())
	}
	var ex lookaheadExtra
	if err := json.Unmarshal(raw, &ex); err != nil {
		return fmt.Errorf("load state: lookahead: %w", err)
	}
	cfg := LookaheadConfig{K: ex.K, Alpha: ex.Alpha}
	if ex.K == 0 || IsDefault(ex.Alpha) {
		return fmt.Errorf("load state: lookahead: k=%d, alpha=%v saved", ex.K, ex.Alpha)
	}
	if err := resolveLookahead(&cfg); err != nil {
		return fmt.Errorf("load state: lookahead: %w", err)
	}
	if ex.Step < 0 {
		return fmt.Errorf("load state: lookahead: invalid step counter %d", ex.Step)
	}

	// The inner state, without the slow weights; those go to slow.
	var params []*Param
	o.forParams(func(_ int, p *Param) { params = append(params, p) })
	in := *sd
	in.Optimizer = innerName
	in.State = make(map[int]*State, len(sd.State))
	slow := make(map[*Param]any)
	for i, st := range sd.State {
		c := st.clone()
		if b := c.Buf(lookaheadSlow); b != nil {
			if i < 0 || i >= len(params) {
				return fmt.Errorf("load state: state for parameter %d, optimizer has %d", i, len(params))
			}
			p := params[i]
			switch b := b.(type) {
			case []float64:
				ok = p.F64 != nil && len(b) == len(p.F64)
			case []float32:
				ok = p.F32 != nil && len(b) == len(p.F32)
			default:
				ok = false
			}
			if !ok {
				return fmt.Errorf("load state: parameter %d (%q): buffer %q does not match %s[%d]", i, p.Name, lookaheadSlow, p.DType(), p.Len())
			}
			slow[p] = b // c is already a copy
			c.DeleteBuf(lookaheadSlow)
		}
		if c.Step == 0 && len(c.names) == 0 && len(c.Scalars) == 0 {
			continue // only the slow weights were saved for it
		}
		in.State[i] = c
	}
	if err := o.inner.LoadStateDict(&in); err != nil {
		return err
	}
	o.cfg, o.step, o.slow = cfg, ex.Step, slow
	return nil
}
