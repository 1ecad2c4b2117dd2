package landscape

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"slices"

	"github.com/descent-ml/descent/nn"
	"github.com/descent-ml/descent/surface"
	"github.com/descent-ml/descent/train"
)

// MinSnapshots is the fewest snapshots a trajectory needs for its
// principal plane: three differences from the last one, whose spread
// about their mean spans a plane.
const MinSnapshots = 4

// Plane is the plane through the last point of a training trajectory
// spanned by the top two principal components of the trajectory's
// differences from that point (Li et al. 2018, section 7).
type Plane struct {
	// Directions are the two principal components, unit vectors in
	// parameter space (PC1 then PC2), zero on the parameters left out
	// (see IgnoreBiasBN). They are not filter-normalised.
	Directions [2]Direction
	// Explained is the fraction of the differences' sum of squares along
	// each direction, PC1's first: sorted, and at most 1 together.
	Explained [2]float64
	// Path holds each point's coordinates in the plane: the projections
	// of θᵢ − θ_last on the directions. The last is (0, 0).
	Path [][2]float64
}

// PrincipalPlane returns the principal plane of a trajectory: traj[i]
// is the i-th point's parameters (the same names and shapes in every
// point), traj[len(traj)−1] the centre. ignore is IgnoreBiasBN (the
// differences leave out parameters of fewer than two dimensions, as the
// random directions do) or IgnoreNone.
//
// With D the matrix whose rows are θᵢ − θ_last for every point but the
// last, the directions are the top two right singular vectors of D,
// the principal components of the rows, centred on their mean as the
// reference code's PCA (scikit-learn's) centres them, found from the
// eigenvectors of the small centred Gram matrix (in float64). The plane
// is drawn through θ_last; the explained fractions are those of the
// rows' variance. Each direction's sign makes the first point's
// coordinate negative, so that the path runs towards the origin from the
// lower left.
func PrincipalPlane(traj [][]nn.NamedTensor[float32], ignore string) (*Plane, error) {
	if err := checkNorm(NormNone, ignore); err != nil {
		return nil, err
	}
	n := len(traj)
	if n < MinSnapshots {
		return nil, fmt.Errorf("a trajectory of %d points: the principal plane needs at least %d", n, MinSnapshots)
	}
	final := traj[n-1]
	for i, pt := range traj[:n-1] {
		if len(pt) != len(final) {
			return nil, fmt.Errorf("point %d has %d parameters, the last %d", i, len(pt), len(final))
		}
		for k, t := range pt {
			f := final[k]
			if t.Name != f.Name || !slices.Equal(t.Tensor.Shape, f.Tensor.Shape) {
				return nil, fmt.Errorf("point %d has parameter %s %v where the last has %s %v", i, t.Name, t.Tensor.Shape, f.Name, f.Tensor.Shape)
			}
		}
	}
	for i, pt := range traj {
		for _, t := range pt {
			for _, v := range t.Tensor.Data {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					return nil, fmt.Errorf("point %d: parameter %s holds %v; want finite weights", i, t.Name, v)
				}
			}
		}
	}
	moved := func(t nn.NamedTensor[float32]) bool { return ignore == IgnoreNone || len(t.Tensor.Shape) > 1 }

	// The Gram matrix of the differences, m×m.
	m := n - 1
	g := make([]float64, m*m)
	d := make([]float64, m)
	each := func(visit func(k, j int)) {
		for k, f := range final {
			if !moved(f) {
				continue
			}
			for j, c := range f.Tensor.Data {
				for a := range m {
					d[a] = float64(traj[a][k].Tensor.Data[j]) - float64(c)
				}
				visit(k, j)
			}
		}
	}
	each(func(int, int) {
		for a := range m {
			if d[a] == 0 {
				continue
			}
			row := g[a*m:]
			for b := a; b < m; b++ {
				row[b] += d[a] * d[b]
			}
		}
	})
	for a := range m {
		for b := a + 1; b < m; b++ {
			g[b*m+a] = g[a*m+b]
		}
	}
	// Centre the rows on their mean: G ← (I − 11ᵀ/m) G (I − 11ᵀ/m). The
	// eigenvectors of the centred matrix with non-zero eigenvalues are
	// orthogonal to 1, so Dᵀv is already the centred rows' direction.
	rowMean := make([]float64, m)
	var all float64
	for a := range m {
		for b := range m {
			rowMean[a] += g[a*m+b]
		}
		all += rowMean[a]
		rowMean[a] /= float64(m)
	}
	all /= float64(m * m)
	var total float64
	for a := range m {
		for b := range m {
			g[a*m+b] += all - rowMean[a] - rowMean[b]
		}
		total += g[a*m+a]
	}
	if total == 0 {
		return nil, fmt.Errorf("all %d points hold the same weights: the trajectory has no direction", n)
	}
	vals, vecs, err := surface.Eigen(g, m)
	if err != nil {
		return nil, err
	}
	lam := [2]float64{vals[m-1], vals[m-2]}
	if lam[1] <= 1e-12*total {
		return nil, fmt.Errorf("the trajectory's %d points lie on a line (the second principal component explains %.3g of it): no plane to draw", n, max(lam[1], 0)/total)
	}

	// The directions: u = Dᵀv/√λ, normalised again in float64.
	p := &Plane{Path: make([][2]float64, n)}
	u := [2][][]float64{make([][]float64, len(final)), make([][]float64, len(final))}
	for k, f := range final {
		if moved(f) {
			u[0][k], u[1][k] = make([]float64, len(f.Tensor.Data)), make([]float64, len(f.Tensor.Data))
		}
	}
	v := [2][]float64{vecs[m-1], vecs[m-2]}
	for _, vc := range v { // remove the rounding left along 1
		var mean float64
		for _, x := range vc {
			mean += x
		}
		mean /= float64(m)
		for a := range vc {
			vc[a] -= mean
		}
	}
	each(func(k, j int) {
		for c := range 2 {
			var s float64
			for a := range m {
				s += v[c][a] * d[a]
			}
			u[c][k][j] = s
		}
	})
	for c := range 2 {
		var ss float64
		for _, x := range u[c] {
			for _, y := range x {
				ss += y * y
			}
		}
		inv := 1 / math.Sqrt(ss)
		for _, x := range u[c] {
			for j := range x {
				x[j] *= inv
			}
		}
		p.Explained[c] = min(1, max(0, lam[c]/total))
	}
	// The path: each difference's projections.
	each(func(k, j int) {
		for a := range m {
			p.Path[a][0] += d[a] * u[0][k][j]
			p.Path[a][1] += d[a] * u[1][k][j]
		}
	})
	for c := range 2 {
		sign := 1.0
		if p.Path[0][c] > 0 {
			sign = -1
			for a := range m {
				p.Path[a][c] = -p.Path[a][c]
			}
		}
		dir := make(Direction, len(final))
		for k, f := range final {
			t := f.Tensor.Clone()
			if u[c][k] == nil {
				clear(t.Data)
			} else {
				for j, x := range u[c][k] {
					t.Data[j] = float32(sign * x)
				}
			}
			dir[k] = nn.NamedTensor[float32]{Name: f.Name, Tensor: t}
		}
		p.Directions[c] = dir
	}
	return p, nil
}

// trajectory is a run's snapshots loaded for ModePCA.
type trajectory struct {
	steps []int
	// centre is the last snapshot's parameters.
	centre []nn.NamedTensor[float32]
	plane  *Plane
	// fingerprint is a SHA-256 of the snapshots' steps and weights.
	fingerprint string
}

// loadTrajectory reads dir's snapshots into models of probe's checkpoint
// and finds their principal plane.
func loadTrajectory(ctx context.Context, probe *train.Probe, dir, ignore string) (*trajectory, error) {
	snaps, err := train.Trajectory(dir)
	if err != nil {
		return nil, err
	}
	if len(snaps) < MinSnapshots {
		return nil, fmt.Errorf("trajectory %s has %d snapshots; the principal plane needs at least %d (train with a smaller --snapshot-every)",
			dir, len(snaps), MinSnapshots)
	}
	net, err := probe.NewModel()
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	tr := &trajectory{}
	pts := make([][]nn.NamedTensor[float32], len(snaps))
	for i, s := range snaps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := s.Load(net); err != nil {
			return nil, fmt.Errorf("trajectory %s: %w", dir, err)
		}
		fmt.Fprintf(h, "step %d\n", s.Step)
		for _, p := range net.Module.Parameters() {
			pts[i] = append(pts[i], nn.NamedTensor[float32]{Name: p.Name, Tensor: p.Var.Value.Clone()})
			fmt.Fprintf(h, "%s %v\n", p.Name, p.Var.Value.Shape)
			binary.Write(h, binary.LittleEndian, p.Var.Value.Data)
		}
		tr.steps = append(tr.steps, s.Step)
	}
	if tr.plane, err = PrincipalPlane(pts, ignore); err != nil {
		return nil, fmt.Errorf("trajectory %s: %w", dir, err)
	}
	tr.centre = pts[len(pts)-1]
	tr.fingerprint = hex.EncodeToString(h.Sum(nil))[:16]
	return tr, nil
}

// pathAxis returns an axis of n points over the coordinates c of the
// path, with a margin of a quarter of their extent on either side.
func pathAxis(path [][2]float64, c, n int) Axis {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, q := range path {
		lo, hi = min(lo, q[c]), max(hi, q[c])
	}
	pad := (hi - lo) / 4
	if pad == 0 {
		pad = max(math.Abs(lo), 1) / 4
	}
	return Axis{Lo: lo - pad, Hi: hi + pad, N: n}
}
