package landscape

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"sync"
	"time"

	"github.com/descent-ml/descent/data"
	"github.com/descent-ml/descent/internal/parallel"
	"github.com/descent-ml/descent/nn"
	"github.com/descent-ml/descent/train"
)

// The modes of Config.Mode.
const (
	Mode1D     = "1d"
	Mode2D     = "2d"
	ModeInterp = "interp"
	ModePCA    = "pca"
)

// Config says which landscape Run measures. The zero values of Norm,
// Ignore and Mode are filter, biasbn and 2d.
type Config struct {
	// Checkpoint is a training run's Out directory: θ, the centre of the
	// grid (or θ₁ of an interpolation). With ModePCA it gives the model,
	// the data and the buffers, and defaults to Trajectory.
	Checkpoint string
	// To is the second checkpoint of ModeInterp (θ₂).
	To string
	// Trajectory is the training run of ModePCA: its Out directory (or
	// that directory's trajectory directory), holding the snapshots of
	// train.Config.SnapshotEvery.
	Trajectory string
	// Data, Label, Split and Batch choose the evaluation set as
	// train.EvalConfig does; Samples > 0 keeps its first Samples
	// examples.
	Data, Label, Split string
	Batch, Samples     int
	// Mode is Mode1D (θ + αδ), Mode2D (θ + αδ + βη), ModeInterp
	// ((1−α)θ₁ + αθ₂) or ModePCA (θ + αd₁ + βd₂ with θ the trajectory's
	// last snapshot and d₁, d₂ its top two principal components, see
	// PrincipalPlane). Random and principal directions move the
	// parameters only; interpolation moves the buffers (normalisation
	// statistics) too.
	Mode string
	// X is the grid of α; Y that of β (2-D and PCA only). With ModePCA a
	// zero axis covers the path with a margin of a quarter of its extent
	// either side, in 51 points.
	X, Y Axis
	// Norm and Ignore say how the random directions are normalised (see
	// RandomDirection); Seed draws them (δ from Seed, η from Seed+1).
	// ModePCA uses Ignore only: its directions are the raw principal
	// components.
	Norm, Ignore string
	Seed         uint64
	// Workers is how many points are evaluated at once (0: all cores).
	Workers int
	// State, when not empty, is the file the finished points are
	// appended to; a run finding it continues from it.
	State string
}

// Progress is reported after every finished point.
type Progress struct {
	// Done of Total points are finished; Resumed of them were read from
	// the state file.
	Done, Total, Resumed int
	Elapsed              time.Duration
}

// Result is a measured landscape. Loss[iy][ix] and Acc[iy][ix] are at
// (X[ix], Y[iy]); 1-D grids have one row and no Y. NaN marks a point
// whose loss was not finite.
type Result struct {
	Mode       string      `json:"mode"`
	Checkpoint string      `json:"checkpoint"`
	To         string      `json:"to,omitempty"`
	Step       int         `json:"step"`
	Model      string      `json:"model"`
	Data       string      `json:"data"`
	Split      string      `json:"split"`
	Examples   int         `json:"examples"`
	LossName   string      `json:"loss_fn"`
	Norm       string      `json:"norm,omitempty"`
	Ignore     string      `json:"ignore,omitempty"`
	Seed       uint64      `json:"seed"`
	X          []float64   `json:"x"`
	Y          []float64   `json:"y,omitempty"`
	Loss       [][]float64 `json:"loss"`
	Acc        [][]float64 `json:"acc,omitempty"`
	// Points were evaluated in Seconds by this run (Resumed more came
	// from the state file); PointsPerSecond is their rate.
	Points          int     `json:"points"`
	Resumed         int     `json:"resumed"`
	Seconds         float64 `json:"seconds"`
	PointsPerSecond float64 `json:"points_per_second"`
	// Trajectory is ModePCA's run; Steps are its snapshots' steps and
	// Path their coordinates (α, β) in the plane, the last at (0, 0);
	// Explained is the fraction of the trajectory that each principal
	// component explains (see Plane).
	Trajectory string       `json:"trajectory,omitempty"`
	Steps      []int        `json:"steps,omitempty"`
	Path       [][2]float64 `json:"path,omitempty"`
	Explained  [2]float64   `json:"explained,omitzero"`
	// Directions are δ (and η) for Mode1D and Mode2D, the principal
	// components for ModePCA.
	Directions []Direction `json:"-"`
}

// MarshalJSON writes the result with null for every NaN loss or
// accuracy.
func (r *Result) MarshalJSON() ([]byte, error) {
	type plain Result
	return json.Marshal(struct {
		*plain
		Loss [][]*float64 `json:"loss"`
		Acc  [][]*float64 `json:"acc,omitempty"`
	}{(*plain)(r), nullable(r.Loss), nullable(r.Acc)})
}

func nullable(z [][]float64) [][]*float64 {
	if z == nil {
		return nil
	}
	out := make([][]*float64, len(z))
	for j, row := range z {
		out[j] = make([]*float64, len(row))
		for i, v := range row {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				out[j][i] = &row[i]
			}
		}
	}
	return out
}

func (c Config) withDefaults() Config {
	if c.Mode == "" {
		c.Mode = Mode2D
	}
	if c.Norm == "" {
		c.Norm = NormFilter
	}
	if c.Ignore == "" {
		c.Ignore = IgnoreBiasBN
	}
	if c.Mode == ModePCA && c.Checkpoint == "" {
		c.Checkpoint = c.Trajectory
	}
	return c
}

func (c Config) check() error {
	switch c.Mode {
	case Mode1D, Mode2D, ModeInterp, ModePCA:
	default:
		return fmt.Errorf("landscape: mode %q: want %s, %s, %s or %s", c.Mode, Mode1D, Mode2D, ModeInterp, ModePCA)
	}
	switch {
	case c.Mode == ModeInterp && c.To == "":
		return fmt.Errorf("landscape: mode %s needs the second checkpoint (To)", ModeInterp)
	case c.Mode != ModeInterp && c.To != "":
		return fmt.Errorf("landscape: a second checkpoint (%s) is for mode %s, not %s", c.To, ModeInterp, c.Mode)
	case c.Mode == ModePCA && c.Trajectory == "":
		return fmt.Errorf("landscape: mode %s needs a trajectory: a run trained with --snapshot-every K --out DIR", ModePCA)
	case c.Mode != ModePCA && c.Trajectory != "":
		return fmt.Errorf("landscape: a trajectory (%s) is for mode %s, not %s", c.Trajectory, ModePCA, c.Mode)
	}
	pca := c.Mode == ModePCA
	if err := c.X.check(); err != nil && !(pca && c.X == Axis{}) {
		return fmt.Errorf("landscape: x grid %s: %w", c.X, err)
	}
	if err := c.Y.check(); err != nil && (c.Mode == Mode2D || pca && c.Y != Axis{}) {
		return fmt.Errorf("landscape: y grid %s: %w", c.Y, err)
	}
	if err := checkNorm(c.Norm, c.Ignore); err != nil {
		return fmt.Errorf("landscape: %w", err)
	}
	if c.Workers < 0 {
		return fmt.Errorf("landscape: workers %d: want >= 1 (0: all cores)", c.Workers)
	}
	return nil
}

// Run measures the landscape cfg describes, calling progress (if not
// nil) after every point.
func Run(ctx context.Context, cfg Config, progress func(Progress)) (*Result, error) {
	cfg = cfg.withDefaults()
	if err := cfg.check(); err != nil {
		return nil, err
	}
	probe, err := train.OpenProbe(ctx, train.EvalConfig{Checkpoint: cfg.Checkpoint, Data: cfg.Data, Label: cfg.Label,
		Split: cfg.Split, Batch: cfg.Batch}, cfg.Samples)
	if err != nil {
		return nil, fmt.Errorf("landscape: %w", err)
	}
	base, err := probe.NewModel()
	if err != nil {
		return nil, fmt.Errorf("landscape: %w", err)
	}
	res := &Result{Mode: cfg.Mode, Checkpoint: cfg.Checkpoint, To: cfg.To, Step: probe.Step, Model: probe.Model,
		Data: probe.Data, Split: probe.Split, Examples: probe.Examples.Len(), LossName: probe.LossName, Seed: cfg.Seed}
	// theta holds the state the points are built from: the parameters
	// (and, to interpolate, the buffers too).
	var theta, theta2 []nn.NamedTensor[float32]
	var fingerprint string
	switch cfg.Mode {
	case ModeInterp:
		theta = cloneState(nn.StateDict(base.Module))
		other, err := probe.NewModel()
		if err != nil {
			return nil, fmt.Errorf("landscape: %w", err)
		}
		if err := probe.LoadWeights(cfg.To, other); err != nil {
			return nil, fmt.Errorf("landscape: %w", err)
		}
		theta2 = cloneState(nn.StateDict(other.Module))
	case ModePCA:
		tr, err := loadTrajectory(ctx, probe, cfg.Trajectory, cfg.Ignore)
		if err != nil {
			return nil, fmt.Errorf("landscape: %w", err)
		}
		theta = tr.centre
		res.Ignore, res.Seed, res.Trajectory = cfg.Ignore, 0, cfg.Trajectory
		res.Step, res.Steps, res.Path, res.Explained = tr.steps[len(tr.steps)-1], tr.steps, tr.plane.Path, tr.plane.Explained
		res.Directions = tr.plane.Directions[:]
		fingerprint = tr.fingerprint
		if cfg.X == (Axis{}) {
			cfg.X = pathAxis(res.Path, 0, 51)
		}
		if cfg.Y == (Axis{}) {
			cfg.Y = pathAxis(res.Path, 1, 51)
		}
	default:
		res.Norm, res.Ignore = cfg.Norm, cfg.Ignore
		params := base.Module.Parameters()
		for _, p := range params {
			theta = append(theta, nn.NamedTensor[float32]{Name: p.Name, Tensor: p.Var.Value.Clone()})
		}
		dirs := 1
		if cfg.Mode == Mode2D {
			dirs = 2
		}
		for i := range dirs {
			d, err := RandomDirection(params, cfg.Seed+uint64(i), cfg.Norm, cfg.Ignore)
			if err != nil {
				return nil, fmt.Errorf("landscape: %w", err)
			}
			res.Directions = append(res.Directions, d)
		}
	}
	res.X = cfg.X.Values()
	ny := 1
	if cfg.Mode == Mode2D || cfg.Mode == ModePCA {
		res.Y = cfg.Y.Values()
		ny = len(res.Y)
	}
	nx := len(res.X)
	res.Loss, res.Acc = nanGrid(ny, nx), nanGrid(ny, nx)
	total := nx * ny
	done := make([]bool, total)
	var st *stateFile
	if cfg.State != "" {
		key := stateKey{Format: stateFormat, Mode: cfg.Mode, Checkpoint: cfg.Checkpoint, Step: probe.Step, Model: probe.Model,
			To: cfg.To, Data: probe.Data, Split: probe.Split, Examples: res.Examples, X: cfg.X.String(), Norm: res.Norm,
			Ignore: res.Ignore, Seed: res.Seed, Trajectory: res.Trajectory, Snapshots: len(res.Steps), Fingerprint: fingerprint}
		if res.Y != nil {
			key.Y = cfg.Y.String()
		}
		if st, err = openState(cfg.State, key); err != nil {
			return nil, fmt.Errorf("landscape: %w", err)
		}
		defer st.close()
		for _, p := range st.points {
			if p.K < 0 || p.K >= total {
				return nil, fmt.Errorf("landscape: state %s: point %d outside the %d-point grid", cfg.State, p.K, total)
			}
			if !done[p.K] {
				res.Resumed++
			}
			done[p.K] = true
			res.Loss[p.K/nx][p.K%nx], res.Acc[p.K/nx][p.K%nx] = orNaN(p.Loss), orNaN(p.Acc)
		}
	}
	var todo []int
	for k := range total {
		if !done[k] {
			todo = append(todo, k)
		}
	}
	workers := cfg.Workers
	if workers == 0 {
		workers = parallel.Threads()
	}
	workers = max(1, min(workers, len(todo)))
	if workers > 1 {
		defer parallel.SetThreads(parallel.SetThreads(1))
	}
	start := time.Now()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan int)
	var (
		mu       sync.Mutex
		firstErr error
		finished = res.Resumed
		wg       sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
		cancel()
	}
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			net, err := probe.NewModel()
			if err != nil {
				fail(err)
				return
			}
			state := nn.StateDict(net.Module)
			for k := range jobs {
				a := res.X[k%nx]
				var b float64
				if res.Y != nil {
					b = res.Y[k/nx]
				}
				if cfg.Mode == ModeInterp {
					interpolate(state, theta, theta2, a)
				} else {
					displace(state, theta, res.Directions, a, b)
				}
				loss, acc, err := probe.Measure(ctx, net)
				if err != nil {
					fail(err)
					return
				}
				accV := math.NaN()
				if acc != nil {
					accV = *acc
				}
				mu.Lock()
				res.Loss[k/nx][k%nx], res.Acc[k/nx][k%nx] = loss, accV
				finished++
				var werr error
				if st != nil {
					werr = st.append(point{K: k, Loss: finite(loss), Acc: finite(accV)})
				}
				if progress != nil {
					progress(Progress{Done: finished, Total: total, Resumed: res.Resumed, Elapsed: time.Since(start)})
				}
				mu.Unlock()
				if werr != nil {
					fail(fmt.Errorf("state %s: %w", cfg.State, werr))
					return
				}
			}
		}()
	}
feed:
	for _, k := range todo {
		select {
		case jobs <- k:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return nil, fmt.Errorf("landscape: %w", firstErr)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("landscape: %w", err)
	}
	res.Points = len(todo)
	res.Seconds = time.Since(start).Seconds()
	if res.Seconds > 0 {
		res.PointsPerSecond = float64(res.Points) / res.Seconds
	}
	if probe.Examples.Kind() != data.Classification {
		res.Acc = nil
	}
	return res, nil
}

// displace sets state's parameters to θ + a·d0 (+ b·d1).
func displace(state, theta []nn.NamedTensor[float32], dirs []Direction, a, b float64) {
	for i, t := range theta {
		dst := state[i].Tensor.Data
		d0 := dirs[0][i].Tensor.Data
		var d1 []float32
		if len(dirs) > 1 {
			d1 = dirs[1][i].Tensor.Data
		}
		for j, w := range t.Tensor.Data {
			v := float64(w) + a*float64(d0[j])
			if d1 != nil {
				v += b * float64(d1[j])
			}
			dst[j] = float32(v)
		}
	}
}

// interpolate sets state to (1−a)θ₁ + aθ₂, exactly θ₁ at 0 and θ₂ at 1.
func interpolate(state, t1, t2 []nn.NamedTensor[float32], a float64) {
	for i := range state {
		dst, x, y := state[i].Tensor.Data, t1[i].Tensor.Data, t2[i].Tensor.Data
		switch a {
		case 0:
			copy(dst, x)
		case 1:
			copy(dst, y)
		default:
			for j := range dst {
				dst[j] = float32((1-a)*float64(x[j]) + a*float64(y[j]))
			}
		}
	}
}

func cloneState(s []nn.NamedTensor[float32]) []nn.NamedTensor[float32] {
	out := make([]nn.NamedTensor[float32], len(s))
	for i, t := range s {
		out[i] = nn.NamedTensor[float32]{Name: t.Name, Tensor: t.Tensor.Clone()}
	}
	return out
}

func nanGrid(ny, nx int) [][]float64 {
	z := make([][]float64, ny)
	for j := range z {
		z[j] = make([]float64, nx)
		for i := range z[j] {
			z[j][i] = math.NaN()
		}
	}
	return z
}

func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func orNaN(v *float64) float64 {
	if v == nil {
		return math.NaN()
	}
	return *v
}

const stateFormat = "descent.landscape.points"

// stateKey is the first line of a state file: what the points belong to.
type stateKey struct {
	Format     string `json:"format"`
	Mode       string `json:"mode"`
	Checkpoint string `json:"checkpoint"`
	Step       int    `json:"step"`
	Model      string `json:"model"`
	To         string `json:"to,omitempty"`
	Data       string `json:"data"`
	Split      string `json:"split"`
	Examples   int    `json:"examples"`
	X          string `json:"x"`
	Y          string `json:"y,omitempty"`
	Norm       string `json:"norm,omitempty"`
	Ignore     string `json:"ignore,omitempty"`
	Seed       uint64 `json:"seed"`
	// Trajectory, Snapshots and Fingerprint (a hash of the snapshots'
	// steps and weights) are ModePCA's.
	Trajectory  string `json:"trajectory,omitempty"`
	Snapshots   int    `json:"snapshots,omitempty"`
	Fingerprint string `json:"fingerprint,omitempty"`
}

// point is one finished grid point of a state file: K = iy·nx + ix.
type point struct {
	K    int      `json:"k"`
	Loss *float64 `json:"loss"`
	Acc  *float64 `json:"acc"`
}

type stateFile struct {
	f      *os.File
	points []point
}

// openState opens (or creates) a state file and reads its points; a
// file made for another landscape is an error naming what differs.
func openState(path string, key stateKey) (*stateFile, error) {
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("state %s: %w", path, err)
	}
	st := &stateFile{}
	keep := 0
	if len(b) > 0 {
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(make([]byte, 0, 1<<16), 1<<20)
		line := 0
		for sc.Scan() {
			text := sc.Bytes()
			if line == 0 {
				var have stateKey
				if err := json.Unmarshal(text, &have); err != nil || have.Format != stateFormat {
					return nil, fmt.Errorf("state %s is not a landscape state file (%s)", path, stateFormat)
				}
				if have != key {
					hb, _ := json.Marshal(have)
					kb, _ := json.Marshal(key)
					return nil, fmt.Errorf("state %s belongs to another landscape: it has %s, this run is %s (remove the file to start afresh)", path, hb, kb)
				}
				keep += len(text) + 1
				line++
				continue
			}
			var p point
			if err := json.Unmarshal(text, &p); err != nil {
				break // a line cut short by an interruption: drop it and what follows
			}
			if keep+len(text)+1 > len(b) {
				break // the last line lacks its newline
			}
			st.points = append(st.points, p)
			keep += len(text) + 1
			line++
		}
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("state %s: %w", path, err)
	}
	if err := f.Truncate(int64(keep)); err != nil {
		f.Close()
		return nil, fmt.Errorf("state %s: %w", path, err)
	}
	if _, err := f.Seek(int64(keep), 0); err != nil {
		f.Close()
		return nil, fmt.Errorf("state %s: %w", path, err)
	}
	st.f = f
	if keep == 0 {
		kb, _ := json.Marshal(key)
		if _, err := f.Write(append(kb, '\n')); err != nil {
			f.Close()
			return nil, fmt.Errorf("state %s: %w", path, err)
		}
	}
	return st, nil
}

func (s *stateFile) append(p point) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = s.f.Write(append(b, '\n'))
	return err
}

func (s *stateFile) close() error { return s.f.Close() }
