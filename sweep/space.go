package sweep

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/descent-ml/descent/optim"
	"github.com/descent-ml/descent/optim/schedule"
	"github.com/descent-ml/descent/train"
)

// Grid is one axis of a grid search: Key takes each of Values in turn. The
// trials of a grid are every combination of its axes' values.
type Grid struct {
	Key    string
	Values []string
}

// String writes g as ParseGrid reads it.
func (g Grid) String() string {
	sep := ","
	if slices.ContainsFunc(g.Values, func(v string) bool { return strings.Contains(v, ",") }) {
		sep = ";"
	}
	return g.Key + "=" + strings.Join(g.Values, sep)
}

// Range is one hyperparameter of a random search: a number drawn between
// Lo and Hi (inclusive), uniformly or, with Log, log-uniformly; or, with
// Choices set, one of Choices, each as likely.
type Range struct {
	Key    string
	Lo, Hi float64
	// Log draws log-uniformly: log(value) is uniform between log(Lo) and
	// log(Hi). Lo must be positive.
	Log bool
	// Int draws whole numbers. Keys that are whole numbers (batch,
	// epochs, steps, seed, accumulate, val, eval-every, eval-batch) are
	// always drawn so.
	Int bool
	// Choices, when set, are the values to draw from instead of a number.
	Choices []string
}

// String writes r as ParseRange reads it.
func (r Range) String() string {
	if len(r.Choices) > 0 {
		return Grid{r.Key, r.Choices}.String()
	}
	s := fmt.Sprintf("%s=%g:%g", r.Key, r.Lo, r.Hi)
	if r.Log {
		s += ":log"
	}
	if r.Int {
		s += ":int"
	}
	return s
}

// specKeys are the keys whose values are spec strings, which may hold
// commas of their own.
var specKeys = []string{"data", "opt", "schedule"}

// intKeys are the train keys whose values are whole numbers.
var intKeys = []string{"batch", "epochs", "steps", "accumulate", "seed", "val", "eval-every", "eval-batch"}

// reservedKeys name settings that a sweep cannot vary.
var reservedKeys = map[string]string{
	"threads":    "the thread count does not change results; set it on the base job",
	"out":        "trials write no checkpoints; the sweep's results go to its own directory",
	"resume":     "trials start from scratch",
	"workers":    "it is a setting of the sweep, not of a job",
	"metric":     "it is a setting of the sweep, not of a job",
	"quiet":      "it is a setting of the command, not of a job",
	"json":       "it is a setting of the command, not of a job",
	"grid":       "it is a setting of the sweep, not of a job",
	"random":     "it is a setting of the sweep, not of a job",
	"param":      "it is a setting of the sweep, not of a job",
	"format":     "it is a setting of the sweep, not of a job",
	"sweep-seed": "it is a setting of the sweep, not of a job",
}

// canonKey returns the name a key goes by (train keys with '-', as the
// command line writes them: clip_norm is clip-norm) and checks its
// spelling.
func canonKey(key string) (string, error) {
	k := strings.TrimSpace(key)
	if k == "" {
		return "", fmt.Errorf("empty key")
	}
	if dashed := strings.ReplaceAll(strings.ToLower(k), "_", "-"); trainKeys[dashed] != nil || reservedKeys[dashed] != "" {
		k = dashed
	}
	if why := reservedKeys[k]; why != "" {
		return "", fmt.Errorf("key %q cannot be swept: %s", k, why)
	}
	if strings.ContainsAny(k, "=,:;+/ \t") {
		return "", fmt.Errorf("key %q: want a train flag name (batch, epochs, opt, ...) or an optimizer hyperparameter (lr, momentum, ...)", k)
	}
	return k, nil
}

// isTrainKey reports whether key (canonical) sets a field of the job
// rather than an optimizer hyperparameter.
func isTrainKey(key string) bool { return trainKeys[key] != nil }

// TrainKeys lists the keys that set a field of the job, sorted; any other
// key is an optimizer hyperparameter.
func TrainKeys() []string {
	keys := make([]string, 0, len(trainKeys))
	for k := range trainKeys {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// trainKeys set the job's fields from text, checking the value.
var trainKeys = map[string]func(c *train.Config, v string) error{
	"data":  func(c *train.Config, v string) error { return setString(&c.Data, v) },
	"label": func(c *train.Config, v string) error { c.Label = v; return nil },
	"model": func(c *train.Config, v string) error { return setString(&c.Model, v) },
	"act": func(c *train.Config, v string) error {
		if !slices.Contains(train.Activations, v) {
			return fmt.Errorf("want one of %s", strings.Join(train.Activations, ", "))
		}
		c.Act = v
		return nil
	},
	"loss": func(c *train.Config, v string) error {
		if !slices.Contains(train.Losses, v) {
			return fmt.Errorf("want one of %s", strings.Join(train.Losses, ", "))
		}
		c.Loss = v
		return nil
	},
	"opt": func(c *train.Config, v string) error { return setString(&c.Opt, v) },
	"schedule": func(c *train.Config, v string) error {
		if strings.EqualFold(v, "none") {
			v = ""
		}
		c.Schedule = v
		return nil
	},
	"clip-norm": func(c *train.Config, v string) error {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || !(x >= 0) || math.IsInf(x, 0) {
			return fmt.Errorf("want a finite norm >= 0 (0: no clipping)")
		}
		c.ClipNorm = x
		return nil
	},
	"accumulate": intSetter(func(c *train.Config) *int { return &c.Accumulate }, 1, "batches per step"),
	"batch": func(c *train.Config, v string) error {
		if strings.EqualFold(v, "full") {
			c.Batch = train.FullBatch
			return nil
		}
		n, err := parseInt(v)
		if err != nil || n < 1 {
			return fmt.Errorf("want a batch size >= 1, or full")
		}
		c.Batch = int(n)
		return nil
	},
	"drop-last": boolSetter(func(c *train.Config) *bool { return &c.DropLast }),
	"epochs":    intSetter(func(c *train.Config) *int { return &c.Epochs }, 1, "epochs"),
	"steps":     intSetter(func(c *train.Config) *int { return &c.Steps }, 0, "steps (0: train for epochs)"),
	"seed": func(c *train.Config, v string) error {
		n, err := parseInt(v)
		if err != nil || n < 0 {
			return fmt.Errorf("want a whole number >= 0")
		}
		c.Seed = uint64(n)
		return nil
	},
	"normalize":  boolSetter(func(c *train.Config) *bool { return &c.Normalize }),
	"val":        intSetter(func(c *train.Config) *int { return &c.Val }, 0, "examples"),
	"eval-every": intSetter(func(c *train.Config) *int { return &c.EvalEvery }, 0, "steps (0: every epoch)"),
	"eval-batch": intSetter(func(c *train.Config) *int { return &c.EvalBatch }, 1, "examples"),
	"target-acc": func(c *train.Config, v string) error {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || !(x >= 0 && x <= 1) {
			return fmt.Errorf("want an accuracy in (0, 1] (0: no target)")
		}
		c.TargetAcc = x
		return nil
	},
}

func setString(dst *string, v string) error {
	if v == "" {
		return fmt.Errorf("want a non-empty value")
	}
	*dst = v
	return nil
}

func intSetter(field func(*train.Config) *int, least int64, what string) func(*train.Config, string) error {
	return func(c *train.Config, v string) error {
		n, err := parseInt(v)
		if err != nil || n < least || n > math.MaxInt32 {
			return fmt.Errorf("want a whole number >= %d of %s", least, what)
		}
		*field(c) = int(n)
		return nil
	}
}

func boolSetter(field func(*train.Config) *bool) func(*train.Config, string) error {
	return func(c *train.Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("want true or false")
		}
		*field(c) = b
		return nil
	}
}

// parseInt reads a whole number, written as one ("32") or as a number
// that is whole ("32.0", "1e3").
func parseInt(s string) (int64, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || x != math.Trunc(x) || math.Abs(x) > 1<<53 {
		return 0, fmt.Errorf("%q is not a whole number", s)
	}
	return int64(x), nil
}

// ParseGrid reads a grid axis "key=v1,v2,...". The values of data, opt
// and schedule are spec strings that hold commas of their own: a part
// that reads key=value after a comma continues the spec before it, so
// "opt=sgd:lr=0.1,momentum=0.9,adam" is two optimizers. Values may also
// be separated by ';' instead ("opt=sgd:lr=0.1,momentum=0.9;adam").
func ParseGrid(s string) (Grid, error) {
	k, vs, ok := strings.Cut(s, "=")
	if !ok {
		return Grid{}, fmt.Errorf("sweep: grid %q: want key=v1,v2,...", s)
	}
	key, err := canonKey(k)
	if err != nil {
		return Grid{}, fmt.Errorf("sweep: grid %q: %w", s, err)
	}
	values := splitValues(key, vs)
	if len(values) == 0 {
		return Grid{}, fmt.Errorf("sweep: grid %q: no values (want key=v1,v2,...)", s)
	}
	for _, v := range values {
		if v == "" {
			return Grid{}, fmt.Errorf("sweep: grid %q: an empty value (want key=v1,v2,...)", s)
		}
	}
	return Grid{Key: key, Values: values}, nil
}

// splitValues splits a list of values of key.
func splitValues(key, s string) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	var parts []string
	if strings.Contains(s, ";") {
		parts = strings.Split(s, ";")
	} else {
		parts = strings.Split(s, ",")
	}
	var out []string
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if n := len(out); n > 0 && slices.Contains(specKeys, key) && continuesSpec(p) {
			out[n-1] += "," + p
			continue
		}
		out = append(out, p)
	}
	return out
}

// continuesSpec reports whether part, found after a comma, is a
// key=value of the spec before it rather than a spec of its own: an '='
// before any ':' (a spec's name never holds '=').
func continuesSpec(part string) bool {
	eq := strings.IndexByte(part, '=')
	colon := strings.IndexByte(part, ':')
	return eq > 0 && (colon < 0 || eq < colon)
}

// ParseRange reads a hyperparameter of a random search: "key=lo:hi"
// (uniform), "key=lo:hi:log" (log-uniform), with ":int" for whole
// numbers ("key=16:256:log:int"), or "key=v1,v2,..." (one of the values).
func ParseRange(s string) (Range, error) {
	k, spec, ok := strings.Cut(s, "=")
	if !ok {
		return Range{}, fmt.Errorf("sweep: range %q: want key=lo:hi[:log][:int] or key=v1,v2,...", s)
	}
	key, err := canonKey(k)
	if err != nil {
		return Range{}, fmt.Errorf("sweep: range %q: %w", s, err)
	}
	r := Range{Key: key}
	parts := strings.Split(strings.TrimSpace(spec), ":")
	lo, errLo := strconv.ParseFloat(parts[0], 64)
	if len(parts) >= 2 && errLo == nil {
		hi, err := strconv.ParseFloat(parts[1], 64)
		if err != nil {
			return Range{}, fmt.Errorf("sweep: range %q: %q is not a number (want key=lo:hi[:log][:int])", s, parts[1])
		}
		r.Lo, r.Hi = lo, hi
		for _, m := range parts[2:] {
			switch strings.ToLower(strings.TrimSpace(m)) {
			case "log":
				r.Log = true
			case "int":
				r.Int = true
			default:
				return Range{}, fmt.Errorf("sweep: range %q: %q: want log or int after lo:hi", s, m)
			}
		}
	} else {
		r.Choices = splitValues(key, spec)
		if len(r.Choices) == 0 || slices.Contains(r.Choices, "") {
			return Range{}, fmt.Errorf("sweep: range %q: want key=lo:hi[:log][:int] or key=v1,v2,...", s)
		}
	}
	if err := r.check(); err != nil {
		return Range{}, err
	}
	return r, nil
}

// isInt reports whether r draws whole numbers.
func (r Range) isInt() bool { return r.Int || slices.Contains(intKeys, r.Key) }

// check reports a range that cannot be drawn from.
func (r Range) check() error {
	if len(r.Choices) > 0 {
		return nil
	}
	switch {
	case math.IsNaN(r.Lo) || math.IsNaN(r.Hi) || math.IsInf(r.Lo, 0) || math.IsInf(r.Hi, 0):
		return fmt.Errorf("sweep: range %s: want finite bounds", r)
	case r.Lo > r.Hi:
		return fmt.Errorf("sweep: range %s: lo %g is above hi %g", r, r.Lo, r.Hi)
	case r.Log && r.Lo <= 0:
		return fmt.Errorf("sweep: range %s: a log range needs lo > 0", r)
	case r.isInt() && math.Ceil(r.Lo) > math.Floor(r.Hi):
		return fmt.Errorf("sweep: range %s: no whole number between %g and %g", r, r.Lo, r.Hi)
	}
	return nil
}

// draw draws one value of r.
func (r Range) draw(rng *rand.Rand) string {
	if len(r.Choices) > 0 {
		return r.Choices[rng.IntN(len(r.Choices))]
	}
	if r.isInt() {
		lo, hi := math.Ceil(r.Lo), math.Floor(r.Hi)
		var x float64
		if r.Log {
			// Floor of a log-uniform draw on [lo, hi+1): each whole k gets
			// the weight log((k+1)/k).
			x = math.Floor(math.Exp(math.Log(lo) + (math.Log(hi+1)-math.Log(lo))*rng.Float64()))
		} else {
			x = lo + float64(rng.Int64N(int64(hi-lo)+1))
		}
		return strconv.FormatInt(int64(min(max(x, lo), hi)), 10)
	}
	u := rng.Float64()
	var x float64
	if r.Log {
		x = math.Exp(math.Log(r.Lo) + (math.Log(r.Hi)-math.Log(r.Lo))*u)
	} else {
		x = r.Lo + (r.Hi-r.Lo)*u
	}
	return formatDraw(min(max(x, r.Lo), r.Hi))
}

// formatDraw writes a drawn number with 4 significant digits, which keeps
// specs and tables readable.
func formatDraw(x float64) string {
	return strconv.FormatFloat(x, 'g', 4, 64)
}

// endpoints are the values a check of r tries: its bounds or its choices.
func (r Range) endpoints() []string {
	if len(r.Choices) > 0 {
		return r.Choices
	}
	if r.isInt() {
		return []string{strconv.FormatFloat(math.Ceil(r.Lo), 'f', -1, 64), strconv.FormatFloat(math.Floor(r.Hi), 'f', -1, 64)}
	}
	return []string{formatDraw(r.Lo), formatDraw(r.Hi)}
}

// setOptKey sets hyperparameter key of an optimizer spec to value,
// keeping the others in place. For Lookahead ("lookahead:k=5+adam:..."),
// k and alpha are Lookahead's and the rest the inner optimizer's.
func setOptKey(spec, key, value string) (string, error) {
	if outer, inner, ok := splitLookahead(spec); ok {
		if key == "k" || key == "alpha" {
			s, err := setOptKey(outer, key, value)
			return s + "+" + inner, err
		}
		s, err := setOptKey(inner, key, value)
		return outer + "+" + s, err
	}
	name, h, err := optim.ParseSpec(spec)
	if err != nil {
		return "", err
	}
	if i := slices.IndexFunc(h, func(kv optim.KV) bool { return kv.Key == key }); i >= 0 {
		h[i].Value = value
	} else {
		h = append(h, optim.KV{Key: key, Value: value})
	}
	return name + ":" + h.String(), nil
}

// splitLookahead cuts a Lookahead spec "lookahead[:k=5,...]+INNER" at its
// '+'.
func splitLookahead(spec string) (outer, inner string, ok bool) {
	s := strings.TrimSpace(spec)
	if !strings.HasPrefix(strings.ToLower(s), "lookahead") {
		return "", "", false
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '+' {
			continue
		}
		rest := strings.TrimLeft(s[i+1:], " \t")
		if rest != "" && (rest[0] >= 'a' && rest[0] <= 'z' || rest[0] >= 'A' && rest[0] <= 'Z') {
			return s[:i], rest, true
		}
	}
	return "", "", false
}

// withDefaults fills in the defaults of the job that do not depend on the
// data, as train.Run does, so that a trial's job reads in full and the
// same job written two ways matches.
func withDefaults(c train.Config) train.Config {
	if c.Data == "" {
		c.Data = train.DefaultData
	}
	if c.Act == "" {
		c.Act = train.DefaultAct
	}
	if c.Opt == "" {
		c.Opt = train.DefaultOpt
	}
	if c.Batch == 0 {
		c.Batch = train.DefaultBatch
	}
	if c.Epochs == 0 {
		c.Epochs = train.DefaultEpochs
	}
	if c.Accumulate == 0 {
		c.Accumulate = 1
	}
	if c.EvalBatch == 0 {
		c.EvalBatch = train.DefaultEvalBatch
	}
	c.Threads, c.Out, c.Resume = 0, "", ""
	return c
}

// apply returns the base job with the settings of p: train keys first,
// in order, then the optimizer's hyperparameters, written into its spec.
func apply(base train.Config, p Params) (train.Config, error) {
	c := base
	for _, s := range p {
		if set := trainKeys[s.Key]; set != nil {
			if err := set(&c, s.Value); err != nil {
				return c, fmt.Errorf("%s=%s: %w", s.Key, s.Value, err)
			}
		}
	}
	for _, s := range p {
		if isTrainKey(s.Key) {
			continue
		}
		spec, err := setOptKey(c.Opt, s.Key, s.Value)
		if err != nil {
			return c, fmt.Errorf("%s=%s: opt %q: %w", s.Key, s.Value, c.Opt, err)
		}
		c.Opt = spec
	}
	return withDefaults(c), nil
}

// checkJob builds the job's optimizer and schedule over a stand-in model,
// which checks every hyperparameter the way training will.
func checkJob(c train.Config) error {
	if c.Act != "" && !slices.Contains(train.Activations, c.Act) {
		return fmt.Errorf("act %q: want one of %s", c.Act, strings.Join(train.Activations, ", "))
	}
	if c.Loss != "" && !slices.Contains(train.Losses, c.Loss) {
		return fmt.Errorf("loss %q: want one of %s", c.Loss, strings.Join(train.Losses, ", "))
	}
	w := optim.NewParam("weight", make([]float32, 6), make([]float32, 6), 2, 3)
	b := optim.NewParam("bias", make([]float32, 2), make([]float32, 2))
	opt, err := optim.New(c.Opt, []*optim.Param{w, b})
	if err != nil {
		return fmt.Errorf("opt %q: %w", c.Opt, err)
	}
	if c.Schedule != "" {
		if _, err := schedule.New(opt, c.Schedule); err != nil {
			return fmt.Errorf("schedule %q: %w", c.Schedule, err)
		}
	}
	return nil
}

// Trials expands the sweep into its trials, in order: the random draws
// (Random of them, from Seed), each crossed with every combination of the
// grid's values (the first axis varying slowest). Every trial's job is
// checked, with its optimizer and schedule built as training builds them;
// the first that cannot run is an error naming the key and value. A
// combination that makes the same job as an earlier one is left out.
// Status and results are left empty.
func (c Config) Trials() ([]Trial, error) {
	c, err := c.normalize()
	if err != nil {
		return nil, err
	}
	base := withDefaults(c.Base)
	if err := checkJob(base); err != nil {
		return nil, fmt.Errorf("sweep: base job: %w", err)
	}
	if err := c.checkValues(base); err != nil {
		return nil, err
	}
	combos := []Params{nil}
	for _, g := range c.Grid {
		var next []Params
		for _, p := range combos {
			for _, v := range g.Values {
				next = append(next, append(slices.Clip(p), Setting{g.Key, v}))
			}
		}
		combos = next
	}
	var all []Params
	if c.Random > 0 {
		rng := rand.New(rand.NewPCG(c.Seed, 0x5eed5eed))
		for range c.Random {
			var draw Params
			for _, r := range c.Ranges {
				draw = append(draw, Setting{r.Key, r.draw(rng)})
			}
			for _, g := range combos {
				all = append(all, append(slices.Clip(draw), g...))
			}
		}
	} else {
		all = combos
	}
	var trials []Trial
	seen := make(map[train.Config]bool)
	for i, p := range all {
		job, err := apply(base, p)
		if err == nil {
			err = checkJob(job)
		}
		if err != nil {
			return nil, fmt.Errorf("sweep: trial %d of %d (%s): %w", i+1, len(all), p, err)
		}
		if seen[job] {
			continue
		}
		seen[job] = true
		trials = append(trials, Trial{Index: len(trials), Params: p, Config: job})
	}
	return trials, nil
}

// Keys lists the swept keys in the order trials give them: the random
// search's, then the grid's.
func (c Config) Keys() []string {
	if n, err := c.normalize(); err == nil {
		c = n
	}
	var keys []string
	if c.Random > 0 {
		for _, r := range c.Ranges {
			keys = append(keys, r.Key)
		}
	}
	for _, g := range c.Grid {
		keys = append(keys, g.Key)
	}
	return keys
}

// normalize checks the shape of the search (something to sweep, keys
// known and not repeated, ranges drawable) and returns c with its keys
// written as Trials names them (clip_norm as clip-norm).
func (c Config) normalize() (Config, error) {
	c.Grid, c.Ranges = slices.Clone(c.Grid), slices.Clone(c.Ranges)
	return c, c.checkSpace()
}

// checkSpace checks the shape of the search and makes its keys canonical.
func (c *Config) checkSpace() error {
	switch {
	case c.Base.Out != "":
		return fmt.Errorf("sweep: the base job's Out %q: trials write no checkpoints (set Config.Out for the sweep's results)", c.Base.Out)
	case c.Base.Resume != "":
		return fmt.Errorf("sweep: the base job's Resume %q: trials start from scratch", c.Base.Resume)
	case c.Random < 0:
		return fmt.Errorf("sweep: random %d: want >= 0 draws", c.Random)
	case c.Random > 0 && len(c.Ranges) == 0:
		return fmt.Errorf("sweep: random %d with no ranges to draw from (want key=lo:hi[:log] for each hyperparameter)", c.Random)
	case c.Random == 0 && len(c.Ranges) > 0:
		return fmt.Errorf("sweep: range %s given without a number of random draws", c.Ranges[0])
	case len(c.Grid) == 0 && c.Random == 0:
		return fmt.Errorf("sweep: nothing to sweep: give a grid (key=v1,v2,...) or random draws with ranges (key=lo:hi[:log])")
	case c.Workers < 0:
		return fmt.Errorf("sweep: workers %d: want >= 1 (0: one per core)", c.Workers)
	}
	seen := map[string]bool{}
	for i := range c.Grid {
		g := &c.Grid[i]
		key, err := canonKey(g.Key)
		if err != nil {
			return fmt.Errorf("sweep: grid %s: %w", g, err)
		}
		if len(g.Values) == 0 {
			return fmt.Errorf("sweep: grid %s: no values", g)
		}
		if seen[key] {
			return fmt.Errorf("sweep: key %q swept twice: give all its values in one grid axis or one range", key)
		}
		seen[key] = true
		g.Key = key
	}
	for i := range c.Ranges {
		r := &c.Ranges[i]
		key, err := canonKey(r.Key)
		if err != nil {
			return fmt.Errorf("sweep: range %s: %w", r, err)
		}
		if seen[key] {
			return fmt.Errorf("sweep: key %q swept twice: give all its values in one grid axis or one range", key)
		}
		seen[key] = true
		r.Key = key
		if err := r.check(); err != nil {
			return err
		}
	}
	return nil
}

// checkValues tries each value of each key on its own on the base job, so
// that a bad value is named as such rather than as part of a trial. An
// optimizer hyperparameter is tried this way only when the optimizer
// itself is not swept.
func (c Config) checkValues(base train.Config) error {
	optSwept := slices.ContainsFunc(c.Grid, func(g Grid) bool { return g.Key == "opt" }) ||
		slices.ContainsFunc(c.Ranges, func(r Range) bool { return r.Key == "opt" })
	try := func(what, key, v string) error {
		if !isTrainKey(key) && optSwept {
			return nil
		}
		job, err := apply(base, Params{{key, v}})
		if err == nil && (!isTrainKey(key) || key == "opt" || key == "schedule") {
			err = checkJob(job)
		}
		if err != nil {
			return fmt.Errorf("sweep: %s: %w", what, err)
		}
		return nil
	}
	for _, g := range c.Grid {
		for _, v := range g.Values {
			if err := try("grid "+g.String(), g.Key, v); err != nil {
				return err
			}
		}
	}
	if c.Random > 0 {
		for _, r := range c.Ranges {
			for _, v := range r.endpoints() {
				if err := try("range "+r.String(), r.Key, v); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
