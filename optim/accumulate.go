package optim

import (
	"encoding/json"
	"fmt"
)

// MultiSteps accumulates gradients over K micro-batches and lets the inner
// optimizer step once, on their mean, every K-th call of Step: gradient
// accumulation as Optax's MultiSteps. Between real steps the parameters
// and the inner optimizer's state do not change.
//
// Use it as the optimizer: compute a micro-batch's gradient, call Step,
// repeat. DidStep tells whether the last call stepped (a schedule should
// advance only then). Hyperparameters are the inner optimizer's.
type MultiSteps struct {
	inner Optimizer
	k     int
	count int
	// acc holds each parameter's running sum of gradients ([]float32 or
	// []float64); the buffers are kept from one real step to the next and
	// seen marks those that hold a sum in the current cycle.
	acc    map[*Param]any
	seen   map[*Param]bool
	did    bool
	ps     []*Param   // scratch: the inner optimizer's parameters
	finite finiteTask // scratch for the non-finite check
}

// accName is the state buffer that carries the running gradient sum in a
// StateDict.
const accName = "multisteps/acc"

// NewMultiSteps wraps inner so that it steps every k calls on the mean
// gradient of those k calls.
func NewMultiSteps(inner Optimizer, k int) (*MultiSteps, error) {
	if inner == nil {
		return nil, fmt.Errorf("multi steps: nil inner optimizer")
	}
	if k < 1 {
		return nil, fmt.Errorf("multi steps: invalid every_k_schedule: %d (want >= 1)", k)
	}
	return &MultiSteps{inner: inner, k: k, acc: make(map[*Param]any), seen: make(map[*Param]bool)}, nil
}

// Name reports "MultiSteps(inner)".
func (m *MultiSteps) Name() string { return "MultiSteps(" + m.inner.Name() + ")" }

// Inner returns the wrapped optimizer.
func (m *MultiSteps) Inner() Optimizer { return m.inner }

// DidStep reports whether the last Step updated the parameters.
func (m *MultiSteps) DidStep() bool { return m.did }

// Pending reports how many micro-batches are accumulated since the last
// real step.
func (m *MultiSteps) Pending() int { return m.count }

func (m *MultiSteps) params() []*Param {
	m.ps = m.ps[:0]
	for g := range m.inner.NumGroups() {
		m.ps = append(m.ps, m.inner.Params(g)...)
	}
	return m.ps
}

// Step adds the current gradients to the running sum; on every K-th call
// it puts their mean in the gradient buffers and steps the inner
// optimizer. A non-finite gradient is handled by the inner optimizer's
// policy before anything is accumulated.
func (m *MultiSteps) Step() error {
	m.did = false
	ps := m.params()
	var bad *Param
	for _, p := range ps {
		if p.Sparse != nil {
			return fmt.Errorf("%s: parameter %q: sparse gradients cannot be accumulated", m.Name(), p.Name)
		}
		if bad == nil && p.HasGrad() && !m.finite.check(p) {
			bad = p
		}
	}
	if bad != nil {
		// Let the inner optimizer apply its policy (reject or skip) on
		// these gradients; it changes nothing either way.
		return m.inner.Step()
	}
	for _, p := range ps {
		if !p.HasGrad() {
			continue
		}
		if p.F64 != nil {
			accumulate(m.acc, m.seen[p], p, p.G64)
		} else {
			accumulate(m.acc, m.seen[p], p, p.G32)
		}
		m.seen[p] = true
	}
	m.count++
	if m.count < m.k {
		return nil
	}
	inv := 1 / float64(m.k)
	for _, p := range ps {
		if !m.seen[p] {
			continue
		}
		a := m.acc[p]
		p.EnsureGrad()
		switch a := a.(type) {
		case []float64:
			for i, v := range a {
				p.G64[i] = v * inv
			}
		case []float32:
			for i, v := range a {
				p.G32[i] = v * float32(inv)
			}
		}
	}
	err := m.inner.Step()
	m.count = 0
	clear(m.seen)
	if err == nil {
		m.did = true
	}
	return err
}

// accumulate adds g to p's running sum, or starts the sum with g when the
// cycle has none yet (reusing the buffer of an earlier cycle).
func accumulate[T Float](acc map[*Param]any, started bool, p *Param, g []T) {
	a, ok := acc[p].([]T)
	if !ok || len(a) != len(g) {
		acc[p] = append([]T(nil), g...)
		return
	}
	if !started {
		copy(a, g)
		return
	}
	for i, v := range g {
		a[i] += v
	}
}

// StepClosure evaluates closure once and calls Step.
func (m *MultiSteps) StepClosure(c Closure) (float64, error) { return stepWithClosure(m.Step, c) }

// ZeroGrad zeroes the gradients (not the running sum).
func (m *MultiSteps) ZeroGrad() { m.inner.ZeroGrad() }

// NumGroups reports the inner optimizer's groups.
func (m *MultiSteps) NumGroups() int { return m.inner.NumGroups() }

// Params returns group g's parameters.
func (m *MultiSteps) Params(g int) []*Param { return m.inner.Params(g) }

// Hyper returns the inner optimizer's hyperparameter.
func (m *MultiSteps) Hyper(g int, key string) (float64, error) { return m.inner.Hyper(g, key) }

// SetHyper sets the inner optimizer's hyperparameter.
func (m *MultiSteps) SetHyper(g int, key string, v float64) error {
	return m.inner.SetHyper(g, key, v)
}

// SetNonFinite sets the inner optimizer's policy.
func (m *MultiSteps) SetNonFinite(p NonFinite) { m.inner.SetNonFinite(p) }

// Skipped reports the inner optimizer's skipped steps.
func (m *MultiSteps) Skipped() int { return m.inner.Skipped() }

type multiStepsExtra struct {
	K     int `json:"every_k"`
	Count int `json:"count"`
}

// StateDict returns the inner state plus the running gradient sums (buffer
// "multisteps/acc") and the micro-batch count (Extra["multisteps"]).
func (m *MultiSteps) StateDict() *StateDict {
	sd := m.inner.StateDict()
	for i, p := range m.params() {
		if !m.seen[p] {
			continue
		}
		a := m.acc[p]
		s := sd.State[i]
		if s == nil {
			s = &State{}
			sd.State[i] = s
		}
		switch a := a.(type) {
		case []float64:
			s.SetBuf(accName, append([]float64(nil), a...))
		case []float32:
			s.SetBuf(accName, append([]float32(nil), a...))
		}
	}
	x, _ := json.Marshal(multiStepsExtra{K: m.k, Count: m.count})
	if sd.Extra == nil {
		sd.Extra = map[string]json.RawMessage{}
	}
	sd.Extra["multisteps"] = x
	return sd
}

// LoadStateDict restores what StateDict saved.
func (m *MultiSteps) LoadStateDict(sd *StateDict) error {
	var x multiStepsExtra
	raw, ok := sd.Extra["multisteps"]
	if !ok {
		return fmt.Errorf("load state: no multi-steps state saved")
	}
	if err := json.Unmarshal(raw, &x); err != nil {
		return fmt.Errorf("load state: multi-steps: %w", err)
	}
	if x.K != m.k {
		return fmt.Errorf("load state: saved with every_k %d, this has %d", x.K, m.k)
	}
	inner := *sd
	inner.State = make(map[int]*State, len(sd.State))
	ps := m.params()
	acc := make(map[*Param]any)
	for i, s := range sd.State {
		c := s.clone()
		if a := c.Buf(accName); a != nil {
			if i < 0 || i >= len(ps) {
				return fmt.Errorf("load state: state for parameter %d, optimizer has %d", i, len(ps))
			}
			acc[ps[i]] = a
			c.DeleteBuf(accName)
		}
		inner.State[i] = c
	}
	if err := m.inner.LoadStateDict(&inner); err != nil {
		return err
	}
	m.acc, m.count = acc, x.Count
	m.seen = make(map[*Param]bool, len(acc))
	for p := range acc {
		m.seen[p] = true
	}
	return nil
}
