package landscape

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/descent-ml/descent/nn"
	"github.com/descent-ml/descent/train"
)

// params returns a small MLP's parameters, cloned.
func params(t *testing.T, seed uint64) []nn.NamedTensor[float32] {
	t.Helper()
	net, err := train.BuildModel("mlp:6-5-4", "relu", []int{6}, 4, seed)
	if err != nil {
		t.Fatal(err)
	}
	var out []nn.NamedTensor[float32]
	for _, p := range net.Module.Parameters() {
		out = append(out, nn.NamedTensor[float32]{Name: p.Name, Tensor: p.Var.Value.Clone()})
	}
	return out
}

// flat returns the entries of the parameters of more than one dimension
// (the ones a biasbn direction moves), in float64.
func flat(ps []nn.NamedTensor[float32]) []float64 {
	var v []float64
	for _, p := range ps {
		if len(p.Tensor.Shape) > 1 {
			for _, x := range p.Tensor.Data {
				v = append(v, float64(x))
			}
		}
	}
	return v
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// synthetic returns a trajectory whose weights move in the plane through
// the centre's weights spanned by the orthonormal e1 and e2, at the
// coordinates coords, while its biases wander at random; and e1, e2.
func synthetic(t *testing.T, coords [][2]float64) (traj [][]nn.NamedTensor[float32], e1, e2 []float64) {
	t.Helper()
	centre := params(t, 1)
	dim := len(flat(centre))
	rng := rand.New(rand.NewPCG(3, 4))
	e1, e2 = make([]float64, dim), make([]float64, dim)
	for i := range dim {
		e1[i], e2[i] = rng.NormFloat64(), rng.NormFloat64()
	}
	scaleTo := func(v []float64) {
		n := math.Sqrt(dot(v, v))
		for i := range v {
			v[i] /= n
		}
	}
	scaleTo(e1)
	p := dot(e1, e2)
	for i := range e2 {
		e2[i] -= p * e1[i]
	}
	scaleTo(e2)
	for _, c := range coords {
		pt := make([]nn.NamedTensor[float32], len(centre))
		at := 0
		for k, q := range centre {
			tt := q.Tensor.Clone()
			for j := range tt.Data {
				if len(tt.Shape) > 1 {
					tt.Data[j] += float32(c[0]*e1[at] + c[1]*e2[at])
					at++
				} else {
					tt.Data[j] += float32(rng.NormFloat64())
				}
			}
			pt[k] = nn.NamedTensor[float32]{Name: q.Name, Tensor: tt}
		}
		traj = append(traj, pt)
	}
	traj = append(traj, centre)
	return traj, e1, e2
}

// A trajectory whose differences lie in a known plane: the principal
// plane is that plane, it explains everything, and the path's
// coordinates rebuild every point.
func TestPrincipalPlaneRecoversPlane(t *testing.T) {
	var coords [][2]float64
	for i := range 8 {
		coords = append(coords, [2]float64{-3 + 0.4*float64(i), 0.5 * math.Sin(float64(i))})
	}
	traj, e1, e2 := synthetic(t, coords)
	pl, err := PrincipalPlane(traj, IgnoreBiasBN)
	if err != nil {
		t.Fatal(err)
	}
	if sum := pl.Explained[0] + pl.Explained[1]; math.Abs(sum-1) > 1e-6 || pl.Explained[0] < pl.Explained[1] {
		t.Errorf("explained %v: want sorted, summing to 1", pl.Explained)
	}
	d := [2][]float64{flat(pl.Directions[0]), flat(pl.Directions[1])}
	for c := range 2 {
		if n := dot(d[c], d[c]); math.Abs(n-1) > 1e-5 {
			t.Errorf("PC%d has norm² %g", c+1, n)
		}
		// In the plane: its projection on e1, e2 is all of it.
		if in := math.Pow(dot(d[c], e1), 2) + math.Pow(dot(d[c], e2), 2); math.Abs(in-1) > 1e-5 {
			t.Errorf("PC%d has %g of its norm² in the plane", c+1, in)
		}
		for k, p := range pl.Directions[c] {
			if len(p.Tensor.Shape) == 1 && slices.ContainsFunc(p.Tensor.Data, func(v float32) bool { return v != 0 }) {
				t.Errorf("PC%d moves bias %s (ignore biasbn)", c+1, traj[0][k].Name)
			}
		}
	}
	if math.Abs(dot(d[0], d[1])) > 1e-5 {
		t.Errorf("PC1·PC2 = %g", dot(d[0], d[1]))
	}
	if n := len(pl.Path); n != len(traj) || pl.Path[n-1] != [2]float64{} {
		t.Fatalf("path %v: want %d points ending at the origin", pl.Path, len(traj))
	}
	if pl.Path[0][0] > 0 || pl.Path[0][1] > 0 {
		t.Errorf("the path starts at %v, want the lower left", pl.Path[0])
	}
	centre := flat(traj[len(traj)-1])
	for i, c := range coords {
		want := flat(traj[i])
		q := pl.Path[i]
		for j := range want {
			got := centre[j] + q[0]*d[0][j] + q[1]*d[1][j]
			if math.Abs(got-want[j]) > 1e-5 {
				t.Fatalf("point %d (at %v in e1, e2; path %v): weight %d rebuilt as %g, want %g", i, c, q, j, got, want[j])
			}
		}
		// A rotation of the plane keeps each point's distance to the centre.
		if r, want := math.Hypot(q[0], q[1]), math.Hypot(c[0], c[1]); math.Abs(r-want) > 1e-5 {
			t.Errorf("point %d at distance %g, want %g", i, r, want)
		}
	}

	// With the biases in, the random biases count too.
	all, err := PrincipalPlane(traj, IgnoreNone)
	if err != nil {
		t.Fatal(err)
	}
	if all.Explained[0]+all.Explained[1] > 1-1e-3 {
		t.Errorf("ignore none: explained %v, want the biases' noise left out of the plane", all.Explained)
	}
}

// On a trajectory with no structure the explained fractions are still
// sorted and at most 1, and the path is the projection of each point.
func TestPrincipalPlaneExplained(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	var traj [][]nn.NamedTensor[float32]
	for range 12 {
		pt := params(t, 1)
		for _, p := range pt {
			for j := range p.Tensor.Data {
				p.Tensor.Data[j] += float32(rng.NormFloat64())
			}
		}
		traj = append(traj, pt)
	}
	pl, err := PrincipalPlane(traj, IgnoreBiasBN)
	if err != nil {
		t.Fatal(err)
	}
	e := pl.Explained
	if !(e[0] >= e[1] && e[1] > 0 && e[0]+e[1] < 1) {
		t.Errorf("explained %v: want 1 > PC1 + PC2, PC1 >= PC2 > 0", e)
	}
	centre := flat(traj[len(traj)-1])
	d0, d1 := flat(pl.Directions[0]), flat(pl.Directions[1])
	for i, pt := range traj {
		diff := flat(pt)
		for j := range diff {
			diff[j] -= centre[j]
		}
		if x, y := dot(diff, d0), dot(diff, d1); math.Abs(x-pl.Path[i][0]) > 1e-4 || math.Abs(y-pl.Path[i][1]) > 1e-4 {
			t.Errorf("point %d: path %v, projection (%g, %g)", i, pl.Path[i], x, y)
		}
	}
}

func TestPrincipalPlaneErrors(t *testing.T) {
	line, _, _ := synthetic(t, [][2]float64{{-2, 0}, {-1, 0}, {-0.5, 0}, {-0.25, 0}})
	same := [][]nn.NamedTensor[float32]{params(t, 1), params(t, 1), params(t, 1), params(t, 1)}
	other := [][]nn.NamedTensor[float32]{params(t, 1), params(t, 2), params(t, 3), params(t, 4)}
	other[1] = other[1][:2]
	nan := [][]nn.NamedTensor[float32]{params(t, 1), params(t, 2), params(t, 3), params(t, 4)}
	nan[0][0].Tensor.Data[3] = float32(math.NaN())
	for _, tc := range []struct {
		name   string
		traj   [][]nn.NamedTensor[float32]
		ignore string
		want   string
	}{
		{"three points", same[:3], IgnoreBiasBN, "at least 4"},
		{"one place", same, IgnoreBiasBN, "same weights"},
		{"a line", line, IgnoreBiasBN, "lie on a line"},
		{"parameters differ", other, IgnoreBiasBN, "point 1 has 2 parameters"},
		{"nan", nan, IgnoreBiasBN, "want finite weights"},
		{"ignore", same, "bn", `ignore "bn"`},
	} {
		if _, err := PrincipalPlane(tc.traj, tc.ignore); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want an error with %q", tc.name, err, tc.want)
		}
	}
}

// trainTrajectory trains a tiny run with snapshots, into a fresh
// directory.
func trainTrajectory(t *testing.T, model string, steps, every int) string {
	t.Helper()
	out := t.TempDir()
	_, err := train.Run(context.Background(), train.Config{Data: "blobs:n=300,test=100", Model: model, Opt: "sgd:lr=0.1,momentum=0.9",
		Batch: 32, Steps: steps, SnapshotEvery: every, Out: out}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Mode pca end to end: the plane of a real trajectory, its centre the
// run's checkpoint, its grid fitted to the path by default, written as
// picture, CSV, JSON and the path's CSV; a resumed state, and a changed
// trajectory refused.
func TestPCA(t *testing.T) {
	dir := t.TempDir()
	run := trainTrajectory(t, "mlp:2-8-3", 40, 5)
	ev, err := train.Evaluate(context.Background(), train.EvalConfig{Checkpoint: run})
	if err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "pca.points")
	cfg := Config{Mode: ModePCA, Trajectory: run, X: Axis{-4, 0, 5}, Y: Axis{-0.5, 0.5, 3}, State: state, Workers: 2}
	res, err := Run(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Checkpoint != run || res.Step != 40 || !slices.Equal(res.Steps, []int{0, 5, 10, 15, 20, 25, 30, 35, 40}) || len(res.Path) != 9 {
		t.Fatalf("checkpoint %s, step %d, steps %v, path %v", res.Checkpoint, res.Step, res.Steps, res.Path)
	}
	if e := res.Explained; !(e[0] >= e[1] && e[1] > 0 && e[0]+e[1] <= 1+1e-12) {
		t.Errorf("explained %v", e)
	}
	if got := res.Loss[1][4]; got != ev.Loss {
		t.Errorf("loss at the origin %g, the checkpoint's %g", got, ev.Loss)
	}
	if res.Loss[1][0] == ev.Loss {
		t.Error("the directions moved nothing")
	}

	// The default grid covers the path.
	def, err := Run(context.Background(), Config{Mode: ModePCA, Trajectory: run}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(def.X) != 51 || len(def.Y) != 51 {
		t.Fatalf("default grid %d×%d, want 51×51", len(def.X), len(def.Y))
	}
	for _, q := range def.Path {
		if q[0] <= def.X[0] || q[0] >= def.X[50] || q[1] <= def.Y[0] || q[1] >= def.Y[50] {
			t.Errorf("path point %v outside the grid %g..%g × %g..%g", q, def.X[0], def.X[50], def.Y[0], def.Y[50])
		}
	}

	files, err := def.Write(filepath.Join(dir, "pca.png"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{files.Picture, files.CSV, files.JSON, files.Path, files.Directions} {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", p, err)
		}
	}
	b, _ := os.ReadFile(files.JSON)
	var back struct {
		Mode       string       `json:"mode"`
		Trajectory string       `json:"trajectory"`
		Steps      []int        `json:"steps"`
		Path       [][2]float64 `json:"path"`
		Explained  []float64    `json:"explained"`
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Mode != ModePCA || back.Trajectory != run || !slices.Equal(back.Steps, def.Steps) || !slices.Equal(back.Path, def.Path) ||
		!slices.Equal(back.Explained, def.Explained[:]) {
		t.Errorf("JSON %+v", back)
	}
	pcsv, _ := os.ReadFile(files.Path)
	lines := strings.Split(strings.TrimSpace(string(pcsv)), "\n")
	if len(lines) != 10 || lines[0] != "step,pc1,pc2" || lines[9] != "40,0,0" {
		t.Errorf("path CSV %q", lines)
	}

	// Read back from the state; refused once the trajectory changes.
	again, err := Run(context.Background(), cfg, nil)
	if err != nil || again.Resumed != 15 || again.Points != 0 {
		t.Fatalf("resumed %+v, %v", again, err)
	}
	snaps, _ := train.Trajectory(run)
	os.Remove(snaps[3].Path)
	if _, err := Run(context.Background(), cfg, nil); err == nil || !strings.Contains(err.Error(), "another landscape") {
		t.Errorf("state of another trajectory: %v", err)
	}
}

func TestPCAErrors(t *testing.T) {
	run := trainTrajectory(t, "mlp:2-8-3", 6, 2)
	short := trainTrajectory(t, "mlp:2-8-3", 3, 10)
	wide := trainTrajectory(t, "mlp:2-16-3", 6, 2)
	a, _, _ := checkpoints(t)
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"no trajectory", Config{Mode: ModePCA, Checkpoint: run}, "needs a trajectory"},
		{"trajectory in 2d", Config{Mode: Mode2D, Checkpoint: run, Trajectory: run, X: Axis{-1, 1, 3}, Y: Axis{-1, 1, 3}}, "is for mode pca"},
		{"two snapshots", Config{Mode: ModePCA, Trajectory: short}, "has 2 snapshots; the principal plane needs at least 4"},
		{"no snapshots", Config{Mode: ModePCA, Trajectory: a}, "--snapshot-every"},
		{"another model", Config{Mode: ModePCA, Checkpoint: run, Trajectory: wide}, "holds model mlp:2-16-3, not mlp:2-8-3"},
		{"x", Config{Mode: ModePCA, Trajectory: run, X: Axis{1, -1, 3}}, "x grid"},
		{"to", Config{Mode: ModePCA, Trajectory: run, To: run}, "second checkpoint"},
	} {
		if _, err := Run(context.Background(), tc.cfg, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want an error with %q", tc.name, err, tc.want)
		}
	}
}
