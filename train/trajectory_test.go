package train

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/descent-ml/descent/nn"
	"github.com/descent-ml/descent/safetensors"
)

// tiny is a run of a few steps on a small blob set, for the trajectory's
// tests.
func tiny(steps, every int, out string) Config {
	return Config{Data: "blobs:n=300,test=100", Model: "mlp:2-8-3", Opt: "sgd:lr=0.1,momentum=0.9", Batch: 32,
		Steps: steps, SnapshotEvery: every, Threads: 1, Out: out}
}

// trajectorySteps lists the steps of dir's snapshots, failing on
// anything else left in the trajectory directory.
func trajectorySteps(t *testing.T, dir string) []int {
	t.Helper()
	snaps, err := Trajectory(dir)
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, TrajectoryDir))
	if len(entries) != len(snaps) {
		t.Errorf("%s holds %d files, %d of them snapshots", TrajectoryDir, len(entries), len(snaps))
	}
	steps := []int{}
	for _, s := range snaps {
		steps = append(steps, s.Step)
	}
	return steps
}

func stateOf(net *Net) []nn.NamedTensor[float32] { return nn.StateDict(net.Module) }

func sameWeights(a, b []nn.NamedTensor[float32]) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || !slices.Equal(a[i].Tensor.Data, b[i].Tensor.Data) {
			return false
		}
	}
	return true
}

// Snapshots come every SnapshotEvery steps, at the initialisation and at
// the last step, and hold the model's weights.
func TestSnapshots(t *testing.T) {
	for _, tc := range []struct {
		steps, every int
		want         []int
	}{
		{40, 5, []int{0, 5, 10, 15, 20, 25, 30, 35, 40}},
		{42, 10, []int{0, 10, 20, 30, 40, 42}},
		{3, 10, []int{0, 3}},
	} {
		cfg := tiny(tc.steps, tc.every, t.TempDir())
		res, err := Run(context.Background(), cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Trajectory != filepath.Join(cfg.Out, TrajectoryDir) {
			t.Errorf("Result.Trajectory %q", res.Trajectory)
		}
		if got := trajectorySteps(t, cfg.Out); !slices.Equal(got, tc.want) {
			t.Errorf("%d steps, every %d: snapshots at %v, want %v", tc.steps, tc.every, got, tc.want)
		}
		snaps, _ := Trajectory(cfg.Out)
		// The first is the initialisation, the last the checkpoint's model.
		net, err := BuildModel(cfg.Model, "relu", []int{2}, 3, cfg.Seed)
		if err != nil {
			t.Fatal(err)
		}
		init := cloneTensors(stateOf(net))
		if err := snaps[0].Load(net); err != nil {
			t.Fatal(err)
		}
		if !sameWeights(stateOf(net), init) {
			t.Error("the step-0 snapshot is not the initialisation")
		}
		ck, err := readCheckpoint(cfg.Out)
		if err != nil {
			t.Fatal(err)
		}
		final, _ := BuildModel(cfg.Model, "relu", []int{2}, 3, 99)
		if err := ck.loadModel(final); err != nil {
			t.Fatal(err)
		}
		if err := snaps[len(snaps)-1].Load(net); err != nil {
			t.Fatal(err)
		}
		if !sameWeights(stateOf(net), stateOf(final)) {
			t.Error("the last snapshot is not the checkpoint's model")
		}
		b, _ := os.ReadFile(snaps[1].Path)
		f, err := safetensors.Read(b)
		if err != nil || f.Metadata["format"] != "pt" || f.Tensor("0.weight") == nil || f.Tensor("0.weight").DType != "F32" {
			t.Errorf("snapshot file %s: %v, metadata %v", snaps[1].Path, err, f.Metadata)
		}
	}
}

func cloneTensors(s []nn.NamedTensor[float32]) []nn.NamedTensor[float32] {
	out := make([]nn.NamedTensor[float32], len(s))
	for i, t := range s {
		out[i] = nn.NamedTensor[float32]{Name: t.Name, Tensor: t.Tensor.Clone()}
	}
	return out
}

// trajectoryBytes reads every snapshot of dir, by file name.
func trajectoryBytes(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	snaps, err := Trajectory(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, s := range snaps {
		b, err := os.ReadFile(s.Path)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(s.Path)] = b
	}
	return out
}

func sameTrajectory(t *testing.T, got, want string) {
	t.Helper()
	g, w := trajectoryBytes(t, got), trajectoryBytes(t, want)
	if len(g) != len(w) {
		t.Fatalf("trajectory at steps %v, want %v", trajectorySteps(t, got), trajectorySteps(t, want))
	}
	for name, b := range w {
		if !bytes.Equal(g[name], b) {
			t.Fatalf("snapshot %s differs from the uninterrupted run's", name)
		}
	}
}

// A run stopped and resumed writes the trajectory, bit for bit, of a run
// that never stopped: the snapshot marking where the first session ended
// goes, and so do snapshots a crash left after the checkpoint.
func TestSnapshotResumeIsBitIdentical(t *testing.T) {
	plotsEnabled = false
	defer func() { plotsEnabled = true }()
	const total, every = 40, 5
	whole := tiny(total, every, t.TempDir())
	if _, err := Run(context.Background(), whole, nil); err != nil {
		t.Fatal(err)
	}

	// Stopped by the step limit off the schedule, resumed.
	first := tiny(23, every, t.TempDir())
	if _, err := Run(context.Background(), first, nil); err != nil {
		t.Fatal(err)
	}
	if got := trajectorySteps(t, first.Out); !slices.Equal(got, []int{0, 5, 10, 15, 20, 23}) {
		t.Fatalf("first session's snapshots at %v", got)
	}
	// What crashes leave: snapshots past the checkpoint (on the schedule,
	// or ending a session whose checkpoint was never written) and a
	// temporary file.
	for _, step := range []int{30, 33} {
		os.WriteFile(filepath.Join(first.Out, TrajectoryDir, SnapshotName(step)), []byte("half"), 0o644)
	}
	os.WriteFile(filepath.Join(first.Out, TrajectoryDir, "."+SnapshotName(35)+".tmp1"), []byte("x"), 0o644)
	if _, err := Run(context.Background(), Config{Resume: first.Out, Steps: total}, nil); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(first.Out, TrajectoryDir, "."+SnapshotName(35)+".tmp1"))
	sameTrajectory(t, first.Out, whole.Out)
	if !bytes.Equal(modelBytes(t, first.Out), modelBytes(t, whole.Out)) {
		t.Fatal("weights differ from the uninterrupted run's")
	}

	// Cancelled at an arbitrary batch, resumed.
	cut := tiny(total, every, t.TempDir())
	part, err := Run(&cancelAfter{Context: context.Background(), n: 19}, cut, nil)
	if !errors.Is(err, context.Canceled) || part == nil || part.Steps%every == 0 {
		t.Fatalf("cancelled run: %+v, %v (want a stop off the schedule)", part, err)
	}
	if steps := trajectorySteps(t, cut.Out); steps[len(steps)-1] != part.Steps {
		t.Fatalf("cancelled at step %d, snapshots at %v", part.Steps, steps)
	}
	if _, err := Run(context.Background(), Config{Resume: cut.Out}, nil); err != nil {
		t.Fatal(err)
	}
	sameTrajectory(t, cut.Out, whole.Out)
}

// SnapshotEvery may be set or changed on resume; a fresh run replaces an
// earlier run's trajectory.
func TestSnapshotEveryOnResume(t *testing.T) {
	plotsEnabled = false
	defer func() { plotsEnabled = true }()
	for _, tc := range []struct {
		name        string
		before      int // SnapshotEvery of the first 23 steps
		after       int // and of the resumed run (0: keep)
		want        []int
		wantEveryAt int
	}{
		{"kept", 5, 0, []int{0, 5, 10, 15, 20, 25, 30, 35, 40}, 5},
		{"changed", 5, 10, []int{0, 5, 10, 15, 20, 30, 40}, 10},
		{"enabled on resume", 0, 10, []int{23, 30, 40}, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			first := tiny(23, tc.before, t.TempDir())
			if _, err := Run(context.Background(), first, nil); err != nil {
				t.Fatal(err)
			}
			res, err := Run(context.Background(), Config{Resume: first.Out, Steps: 40, SnapshotEvery: tc.after}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := trajectorySteps(t, first.Out); !slices.Equal(got, tc.want) || res.Config.SnapshotEvery != tc.wantEveryAt {
				t.Errorf("snapshots at %v every %d, want %v every %d", got, res.Config.SnapshotEvery, tc.want, tc.wantEveryAt)
			}
		})
	}

	out := t.TempDir()
	if _, err := Run(context.Background(), tiny(12, 4, out), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), tiny(6, 3, out), nil); err != nil {
		t.Fatal(err)
	}
	if got := trajectorySteps(t, out); !slices.Equal(got, []int{0, 3, 6}) {
		t.Errorf("a fresh run over an earlier one: snapshots at %v", got)
	}
	if _, err := Run(context.Background(), tiny(6, 0, out), nil); err != nil {
		t.Fatal(err)
	}
	if got := trajectorySteps(t, out); len(got) != 0 {
		t.Errorf("a fresh run without snapshots left the earlier run's: %v", got)
	}
}

func TestTrajectoryErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Trajectory(dir); err == nil || !strings.Contains(err.Error(), "--snapshot-every") {
		t.Errorf("a directory without snapshots: %v", err)
	}
	if _, err := Trajectory(filepath.Join(dir, "nosuch")); err == nil {
		t.Error("a missing directory: no error")
	}
	cfg := tiny(6, 3, t.TempDir())
	if _, err := Run(context.Background(), cfg, nil); err != nil {
		t.Fatal(err)
	}
	snaps, err := Trajectory(filepath.Join(cfg.Out, TrajectoryDir)) // the directory itself
	if err != nil || len(snaps) != 3 || snaps[2].Step != 6 {
		t.Fatalf("Trajectory(the trajectory directory) = %v, %v", snaps, err)
	}
	other, _ := BuildModel("mlp:2-4-3", "relu", []int{2}, 3, 0)
	if err := snaps[0].Load(other); err == nil || !strings.Contains(err.Error(), "holds model mlp:2-8-3, not mlp:2-4-3") {
		t.Errorf("loading into another model: %v", err)
	}
	os.WriteFile(snaps[1].Path, []byte("not safetensors"), 0o644)
	same, _ := BuildModel("mlp:2-8-3", "relu", []int{2}, 3, 0)
	if err := snaps[1].Load(same); err == nil || !strings.Contains(err.Error(), snaps[1].Path) {
		t.Errorf("loading a broken file: %v", err)
	}
}
