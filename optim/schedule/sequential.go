package schedule

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"

	"github.com/descent-ml/descent/optim"
)

// leaves checks the schedules a SequentialLR or ChainedScheduler combines:
// schedules of this package (not ReduceLROnPlateau, SequentialLR or
// ChainedScheduler), each once, all on opt (on the first one's optimizer
// when opt is nil).
func leaves(who string, opt optim.Optimizer, scheds []Scheduler) ([]node, optim.Optimizer, error) {
	if len(scheds) == 0 {
		return nil, nil, fmt.Errorf("%s: no schedulers", who)
	}
	out := make([]node, len(scheds))
	seen := map[*base]bool{}
	for i, s := range scheds {
		n, ok := s.(node)
		if !ok {
			return nil, nil, fmt.Errorf("%s: scheduler %d (%T) cannot be combined (ReduceLROnPlateau, SequentialLR, ChainedScheduler and schedules from outside this package cannot)", who, i, s)
		}
		b := n.core()
		if seen[b] {
			return nil, nil, fmt.Errorf("%s: scheduler %d appears twice", who, i)
		}
		seen[b] = true
		if opt == nil {
			opt = b.opt
		}
		if !sameOptimizer(b.opt, opt) {
			return nil, nil, fmt.Errorf("%s expects all schedulers to belong to the same optimizer, but scheduler %d has a different one", who, i)
		}
		out[i] = n
	}
	return out, opt, nil
}

// byBuildOrder returns the schedules sorted by when they were built.
func byBuildOrder(ns []node) []node {
	out := slices.Clone(ns)
	sort.SliceStable(out, func(i, j int) bool { return out[i].core().serial < out[j].core().serial })
	return out
}

// shareInitialLR reproduces PyTorch's initial_lr for schedules built one
// after another on one optimizer: the first schedule records the rates it
// found (CyclicLR its base_lr; OneCycleLR always overwrites them with
// max_lr/div_factor) and every schedule whose base rates are initial_lr
// gets the value recorded so far. It returns the final initial_lr.
func shareInitialLR(ns []node) []float64 {
	var initial []float64
	for _, n := range byBuildOrder(ns) {
		b := n.core()
		if b.seed == seedOverride || initial == nil {
			initial = slices.Clone(b.initLRs)
		}
		switch b.seed {
		case seedDefault:
			b.baseLRs = slices.Clone(initial)
		case seedOwn:
			b.initBase = slices.Clone(initial)
		}
	}
	return initial
}

// saveChildren returns the states of ns.
func saveChildren(ns []node) ([]json.RawMessage, error) {
	out := make([]json.RawMessage, len(ns))
	for i, n := range ns {
		st, err := n.State()
		if err != nil {
			return nil, err
		}
		out[i] = st
	}
	return out, nil
}

// loadChildren loads states into ns, all or none.
func loadChildren(who string, ns []node, states []json.RawMessage) error {
	if len(states) != len(ns) {
		return fmt.Errorf("load %s state: %d schedulers saved, have %d", who, len(states), len(ns))
	}
	prev, err := saveChildren(ns)
	if err != nil {
		return err
	}
	for i, n := range ns {
		if err := n.LoadState(states[i]); err != nil {
			for j := range i {
				ns[j].LoadState(prev[j])
			}
			return fmt.Errorf("load %s state: scheduler %d: %w", who, i, err)
		}
	}
	return nil
}

// SequentialLRConfig lists the schedules of a SequentialLR and the steps
// at which each takes over from the one before.
type SequentialLRConfig struct {
	Schedulers []Scheduler `json:"-"`
	Milestones []int       `json:"milestones"` // len(Schedulers)−1 increasing steps
}

// SequentialLR is PyTorch's torch.optim.lr_scheduler.SequentialLR: it runs
// Schedulers[0] until step Milestones[0], then Schedulers[1], and so on.
// Building it puts the rates back to the optimizer's initial rates, undoes
// the initial step every schedule took when it was built, and takes
// Schedulers[0]'s initial step again. At milestone m the next schedule
// jumps to its step 0 by its closed form (PyTorch's step(0)): for
// CosineAnnealingLR that is its base rate, for LinearLR base·start_factor,
// whatever the previous schedule left. The schedules' base rates are the
// optimizer's initial rates, as in PyTorch (see the package doc).
//
// Build the schedules on the same optimizer right before the SequentialLR.
// They must be this package's, and not ReduceLROnPlateau, SequentialLR or
// ChainedScheduler.
type SequentialLR struct {
	opt        optim.Optimizer
	children   []node
	milestones []int
	lastEpoch  int
	lastLR     []float64
}

// NewSequentialLR returns SequentialLR on opt.
func NewSequentialLR(opt optim.Optimizer, cfg SequentialLRConfig) (*SequentialLR, error) {
	if opt == nil {
		return nil, fmt.Errorf("SequentialLR: nil optimizer")
	}
	ns, _, err := leaves("SequentialLR", opt, cfg.Schedulers)
	if err != nil {
		return nil, err
	}
	if len(cfg.Milestones) != len(ns)-1 {
		return nil, fmt.Errorf("SequentialLR expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers %d and the number of milestones to be equal to %d", len(ns), len(cfg.Milestones))
	}
	for i, m := range cfg.Milestones {
		if m < 1 || (i > 0 && m <= cfg.Milestones[i-1]) {
			return nil, fmt.Errorf("SequentialLR: invalid milestones %v (want increasing positive steps)", cfg.Milestones)
		}
	}
	s := &SequentialLR{opt: opt, children: ns, milestones: slices.Clone(cfg.Milestones)}
	initial := shareInitialLR(ns)
	if err := setGroupValues(opt, "lr", initial); err != nil {
		return nil, fmt.Errorf("SequentialLR: %w", err)
	}
	for _, n := range ns {
		n.core().lastEpoch--
	}
	if err := ns[0].core().initialStep(); err != nil {
		return nil, fmt.Errorf("SequentialLR: %w", err)
	}
	s.lastLR = ns[0].LastLR()
	return s, nil
}

// Step advances the active schedule, or starts the next one at a
// milestone.
func (s *SequentialLR) Step() error {
	le := s.lastEpoch + 1
	idx := sort.Search(len(s.milestones), func(i int) bool { return s.milestones[i] > le })
	n := s.children[idx]
	var err error
	if idx > 0 && s.milestones[idx-1] == le {
		err = n.stepEpoch(0)
	} else {
		err = n.Step()
	}
	if err != nil {
		return fmt.Errorf("SequentialLR: %w", err)
	}
	s.lastEpoch = le
	s.lastLR = append(s.lastLR[:0], n.core().lastLR...)
	return nil
}

// LastLR returns the rates the active schedule set last.
func (s *SequentialLR) LastLR() []float64 { return slices.Clone(s.lastLR) }

// LastEpoch reports the number of steps taken.
func (s *SequentialLR) LastEpoch() int { return s.lastEpoch }

// Schedulers returns the schedules SequentialLR runs.
func (s *SequentialLR) Schedulers() []Scheduler {
	out := make([]Scheduler, len(s.children))
	for i, n := range s.children {
		out[i] = n
	}
	return out
}

type sequentialConfig struct {
	Milestones []int `json:"milestones"`
}

// State returns the state of SequentialLR and of its schedules.
func (s *SequentialLR) State() (json.RawMessage, error) {
	kids, err := saveChildren(s.children)
	if err != nil {
		return nil, err
	}
	cfg, err := json.Marshal(sequentialConfig{s.milestones})
	if err != nil {
		return nil, err
	}
	return json.Marshal(savedState{Scheduler: "SequentialLR", Config: cfg, LastEpoch: s.lastEpoch,
		LastLR: nums(s.lastLR), Schedulers: kids})
}

// LoadState restores a state that State returned.
func (s *SequentialLR) LoadState(raw json.RawMessage) error {
	st, err := decodeState(raw, "SequentialLR")
	if err != nil {
		return err
	}
	var cfg sequentialConfig
	if err := json.Unmarshal(st.Config, &cfg); err != nil {
		return fmt.Errorf("load SequentialLR state: config: %w", err)
	}
	if len(cfg.Milestones) != len(s.children)-1 {
		return fmt.Errorf("load SequentialLR state: %d milestones saved for %d schedulers", len(cfg.Milestones), len(s.children))
	}
	if err := loadChildren("SequentialLR", s.children, st.Schedulers); err != nil {
		return err
	}
	s.milestones = cfg.Milestones
	s.lastEpoch = st.LastEpoch
	s.lastLR = floats(st.LastLR)
	return nil
}

// ChainedScheduler is PyTorch's torch.optim.lr_scheduler.ChainedScheduler:
// each Step steps every schedule in turn, so their chainable rules
// compose (ConstantLR(factor=0.1, total_iters=2) chained with
// ExponentialLR(gamma=0.9) from lr 1 gives 0.1, 0.09, 0.81, 0.729, ...).
//
// Build the schedules on one optimizer right before chaining them: the
// chain gives them PyTorch's shared base rates (see the package doc) and
// replays, in the order they were built, the initial step each took. They
// must be this package's, and not ReduceLROnPlateau, SequentialLR or
// ChainedScheduler.
type ChainedScheduler struct {
	opt      optim.Optimizer
	children []node
	lastLR   []float64
	lrs      []float64 // scratch for Step
}

// NewChainedScheduler chains schedulers, which must share one optimizer.
func NewChainedScheduler(schedulers []Scheduler) (*ChainedScheduler, error) {
	ns, opt, err := leaves("ChainedScheduler", nil, schedulers)
	if err != nil {
		return nil, err
	}
	shareInitialLR(ns)
	order := byBuildOrder(ns)
	if err := setGroupValues(opt, "lr", order[0].core().initLRs); err != nil {
		return nil, fmt.Errorf("ChainedScheduler: %w", err)
	}
	for _, n := range order {
		if err := n.restart(); err != nil {
			return nil, fmt.Errorf("ChainedScheduler: %w", err)
		}
	}
	s := &ChainedScheduler{opt: opt, children: ns}
	if s.lastLR, err = groupValues(opt, "lr"); err != nil {
		return nil, fmt.Errorf("ChainedScheduler: %w", err)
	}
	s.lastLR = positiveZeros(s.lastLR)
	return s, nil
}

// Step steps every schedule, in order. If one fails, those before it
// have stepped.
func (s *ChainedScheduler) Step() error {
	for i, n := range s.children {
		if err := n.Step(); err != nil {
			return fmt.Errorf("ChainedScheduler: scheduler %d: %w", i, err)
		}
	}
	var err error
	if s.lrs, err = groupValuesInto(s.lrs, s.opt, "lr"); err != nil {
		return fmt.Errorf("ChainedScheduler: %w", err)
	}
	s.lastLR = positiveZerosInto(s.lastLR, s.lrs)
	return nil
}

// LastLR returns the optimizer's rates after the last step.
func (s *ChainedScheduler) LastLR() []float64 { return slices.Clone(s.lastLR) }

// Schedulers returns the chained schedules.
func (s *ChainedScheduler) Schedulers() []Scheduler {
	out := make([]Scheduler, len(s.children))
	for i, n := range s.children {
		out[i] = n
	}
	return out
}

// State returns the states of the chained schedules.
func (s *ChainedScheduler) State() (json.RawMessage, error) {
	kids, err := saveChildren(s.children)
	if err != nil {
		return nil, err
	}
	return json.Marshal(savedState{Scheduler: "ChainedScheduler", LastLR: nums(s.lastLR), Schedulers: kids})
}

// LoadState restores a state that State returned.
func (s *ChainedScheduler) LoadState(raw json.RawMessage) error {
	st, err := decodeState(raw, "ChainedScheduler")
	if err != nil {
		return err
	}
	if err := loadChildren("ChainedScheduler", s.children, st.Schedulers); err != nil {
		return err
	}
	s.lastLR = floats(st.LastLR)
	return nil
}

// WarmupCosineConfig holds WarmupCosine's settings.
type WarmupCosineConfig struct {
	WarmupSteps int     `json:"warmup_steps"` // steps of linear warm-up (0: none)
	TotalSteps  int     `json:"total_steps"`  // steps until the rate reaches eta_min (> warmup_steps)
	EtaMin      float64 `json:"eta_min"`      // final rate (default 0)
	StartFactor float64 `json:"start_factor"` // first warm-up factor (default 1/(warmup_steps+1))
}

// NewWarmupCosine returns a linear warm-up followed by a cosine decay, the
// usual schedule for training transformers. In PyTorch terms, with
// W = warmup_steps, T = total_steps and s = start_factor, it is
//
//	SequentialLR(opt, [LinearLR(opt, start_factor=s, end_factor=1, total_iters=W),
//	                   CosineAnnealingLR(opt, T_max=T−W, eta_min=eta_min)],
//	             milestones=[W])
//
// (just CosineAnnealingLR(T_max=T) inside a SequentialLR when W = 0). With
// the default s = 1/(W+1), the rate of step k < W is base·(k+1)/(W+1)
// (up to rounding), step W uses the base rate, and step T reaches eta_min.
func NewWarmupCosine(opt optim.Optimizer, cfg WarmupCosineConfig) (*SequentialLR, error) {
	w, t := cfg.WarmupSteps, cfg.TotalSteps
	if w < 0 {
		return nil, fmt.Errorf("WarmupCosine: invalid warmup_steps: %d", w)
	}
	if t <= w {
		return nil, fmt.Errorf("WarmupCosine: invalid total_steps: %d (want more than warmup_steps %d)", t, w)
	}
	if err := checkFinite("eta_min", cfg.EtaMin); err != nil {
		return nil, fmt.Errorf("WarmupCosine: %w", err)
	}
	var scheds []Scheduler
	var milestones []int
	if w > 0 {
		sf := optim.OrDefault(cfg.StartFactor, 1/float64(w+1))
		lin, err := NewLinearLR(opt, LinearLRConfig{StartFactor: sf, EndFactor: 1, TotalIters: w})
		if err != nil {
			return nil, fmt.Errorf("WarmupCosine: %w", err)
		}
		scheds, milestones = append(scheds, lin), append(milestones, w)
	}
	cos, err := NewCosineAnnealingLR(opt, CosineAnnealingLRConfig{TMax: t - w, EtaMin: cfg.EtaMin})
	if err != nil {
		return nil, fmt.Errorf("WarmupCosine: %w", err)
	}
	scheds = append(scheds, cos)
	return NewSequentialLR(opt, SequentialLRConfig{Schedulers: scheds, Milestones: milestones})
}

// WarmupCosine is NewWarmupCosine with warmupSteps, totalSteps and, if
// given, the final rate minLR (eta_min).
func WarmupCosine(opt optim.Optimizer, warmupSteps, totalSteps int, minLR ...float64) (*SequentialLR, error) {
	cfg := WarmupCosineConfig{WarmupSteps: warmupSteps, TotalSteps: totalSteps}
	switch len(minLR) {
	case 0:
	case 1:
		cfg.EtaMin = minLR[0]
	default:
		return nil, fmt.Errorf("WarmupCosine: one minLR at most, got %d", len(minLR))
	}
	return NewWarmupCosine(opt, cfg)
}
