package train

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/descent-ml/descent/nn"
	"github.com/descent-ml/descent/safetensors"
	"github.com/descent-ml/descent/tensor"
)

// TrajectoryDir is the directory of Config.Out that receives the
// snapshots of Config.SnapshotEvery.
const TrajectoryDir = "trajectory"

const (
	snapshotPrefix = "step-"
	snapshotExt    = ".safetensors"
)

// Snapshot is one saved point of a training trajectory: the model's
// weights after Step optimizer steps, in the safetensors file Path (the
// format of the checkpoint's model file, loadable with PyTorch's
// safetensors and load_state_dict).
type Snapshot struct {
	Step int
	Path string
}

// SnapshotName returns the file name of the snapshot of step:
// step-00000100.safetensors.
func SnapshotName(step int) string {
	return fmt.Sprintf("%s%08d%s", snapshotPrefix, step, snapshotExt)
}

// snapshotStep reads the step of a snapshot's file name.
func snapshotStep(name string) (int, bool) {
	digits, ok := strings.CutPrefix(name, snapshotPrefix)
	if !ok {
		return 0, false
	}
	if digits, ok = strings.CutSuffix(digits, snapshotExt); !ok || digits == "" {
		return 0, false
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	step, err := strconv.Atoi(digits)
	return step, err == nil
}

// Trajectory lists the snapshots of a run, sorted by step. dir is the
// run's Out directory (its trajectory directory is read) or a trajectory
// directory itself. A run without snapshots is an error that says how
// to make them.
func Trajectory(dir string) ([]Snapshot, error) {
	tdir := filepath.Join(dir, TrajectoryDir)
	entries, err := os.ReadDir(tdir)
	if errors.Is(err, fs.ErrNotExist) {
		tdir = dir
		entries, err = os.ReadDir(dir)
		if err == nil && !slices.ContainsFunc(entries, func(e fs.DirEntry) bool { _, ok := snapshotStep(e.Name()); return ok }) {
			return nil, fmt.Errorf("trajectory %s: no %s directory and no snapshots (train with --snapshot-every K --out %s)", dir, TrajectoryDir, dir)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("trajectory %s: %w", dir, err)
	}
	var snaps []Snapshot
	for _, e := range entries {
		if step, ok := snapshotStep(e.Name()); ok && e.Type().IsRegular() {
			snaps = append(snaps, Snapshot{Step: step, Path: filepath.Join(tdir, e.Name())})
		}
	}
	slices.SortFunc(snaps, func(a, b Snapshot) int { return a.Step - b.Step })
	return snaps, nil
}

// Load copies the snapshot's weights into net, strictly: every tensor of
// the model present with its shape, and nothing else. A snapshot of
// another model is an error naming both.
func (s Snapshot) Load(net *Net) error {
	b, err := os.ReadFile(s.Path)
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	f, err := safetensors.Read(b)
	if err != nil {
		return fmt.Errorf("snapshot %s: %w", s.Path, err)
	}
	if spec := f.Metadata["descent.model"]; spec != "" && spec != net.Spec {
		return fmt.Errorf("snapshot %s holds model %s, not %s", s.Path, spec, net.Spec)
	}
	if err := loadState(net, f); err != nil {
		return fmt.Errorf("snapshot %s does not fit model %s: %w", s.Path, net.Spec, err)
	}
	return nil
}

// loadState copies a safetensors file's F32 tensors into net strictly.
func loadState(net *Net, f *safetensors.File) error {
	state := make([]nn.NamedTensor[float32], 0, len(f.Tensors))
	for _, t := range f.Tensors {
		if t.F32 == nil {
			return fmt.Errorf("tensor %q is %s, want F32", t.Name, t.DType)
		}
		state = append(state, nn.NamedTensor[float32]{Name: t.Name, Tensor: &tensor.Tensor[float32]{Shape: t.Shape, Data: t.F32}})
	}
	return nn.LoadStateDict(net.Module, state)
}

// trajectoryDir is where this run's snapshots go.
func (tr *trainer) trajectoryDir() string { return filepath.Join(tr.cfg.Out, TrajectoryDir) }

// snapshotDue reports whether the current step is on the snapshot
// schedule (every SnapshotEvery steps, from step 0). It allocates
// nothing.
func (tr *trainer) snapshotDue() bool {
	k := tr.cfg.SnapshotEvery
	return k > 0 && tr.st.Step%k == 0
}

// startTrajectory readies the trajectory as a session starts. A fresh
// run replaces an earlier run's snapshots in Out and saves the
// initialisation. A resumed run drops the snapshots of steps after the
// checkpoint's (made after it, then lost to a crash: they are made
// again) and the snapshot that only marked where the saved session
// ended, unless the schedule places one there; without any snapshot
// left it starts the trajectory at the resumed step.
func (tr *trainer) startTrajectory() error {
	if tr.cfg.Out == "" {
		return nil
	}
	snaps, err := Trajectory(tr.trajectoryDir())
	if err != nil {
		snaps = nil // no trajectory yet
	}
	fresh := tr.cfg.Resume == ""
	end := tr.st.SnapshotEnd
	tr.st.SnapshotEnd = 0
	kept := 0
	for _, s := range snaps {
		drop := fresh || s.Step > tr.st.Step || end > 0 && s.Step == end && end == tr.st.Step && !tr.snapshotDue()
		if drop {
			if err := os.Remove(s.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("trajectory: %w", err)
			}
			continue
		}
		kept++
		if s.Step == tr.st.Step {
			tr.snapAt = s.Step
		}
	}
	if tr.cfg.SnapshotEvery == 0 || tr.snapAt == tr.st.Step || !tr.snapshotDue() && kept > 0 {
		return nil
	}
	return tr.snapshot()
}

// snapshot saves the model's weights at the current step.
func (tr *trainer) snapshot() error {
	dir := tr.trajectoryDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("snapshot at step %d: %w", tr.st.Step, err)
	}
	f := modelFile(tr.net.Module, tr.net.Spec)
	f.Metadata["descent.step"] = strconv.Itoa(tr.st.Step)
	path := filepath.Join(dir, SnapshotName(tr.st.Step))
	if err := writeAtomic(path, func(w io.Writer) error { return safetensors.Write(w, f) }); err != nil {
		return fmt.Errorf("snapshot at step %d: %w", tr.st.Step, err)
	}
	tr.snapAt = tr.st.Step
	return nil
}

// endTrajectory saves the snapshot of the session's last step, when the
// schedule did not, and marks it as such in the loop state: a resumed
// run drops it. It reports whether it wrote one.
func (tr *trainer) endTrajectory() (bool, error) {
	if tr.cfg.SnapshotEvery == 0 || tr.snapAt == tr.st.Step {
		return false, nil
	}
	if err := tr.snapshot(); err != nil {
		return false, err
	}
	tr.st.SnapshotEnd = tr.st.Step
	return true, nil
}
