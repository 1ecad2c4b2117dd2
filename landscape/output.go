package landscape

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/descent-ml/descent/plot"
)

// Files names what Result.Write writes for a picture path.
type Files struct {
	Picture, CSV, JSON, Directions string
	// Path is ModePCA's trajectory in the plane, as CSV.
	Path string
}

// FilesFor returns the files written beside the picture out (FILE.png or
// FILE.svg): FILE.csv, FILE.json and, for random or principal
// directions, FILE.directions.safetensors; for ModePCA, FILE.path.csv.
func FilesFor(out string) (Files, error) {
	ext := strings.ToLower(filepath.Ext(out))
	if ext != ".png" && ext != ".svg" {
		return Files{}, fmt.Errorf("landscape: out %q: want a .png or .svg file (the CSV and JSON go beside it)", out)
	}
	stem := strings.TrimSuffix(out, filepath.Ext(out))
	return Files{Picture: out, CSV: stem + ".csv", JSON: stem + ".json", Directions: stem + ".directions.safetensors",
		Path: stem + ".path.csv"}, nil
}

// Write draws the result to out (.png or .svg: a contour map for a 2-D
// grid, a curve otherwise) and writes the grid as CSV and JSON beside it,
// the directions as safetensors and a trajectory's path as CSV. It
// returns the files written.
func (r *Result) Write(out string) (Files, error) {
	files, err := FilesFor(out)
	if err != nil {
		return files, err
	}
	if err := writeWith(files.Picture, r.Draw); err != nil {
		return files, err
	}
	if err := writeWith(files.CSV, r.WriteCSV); err != nil {
		return files, err
	}
	if err := writeWith(files.JSON, func(w io.Writer, _ string) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", " ")
		return enc.Encode(r)
	}); err != nil {
		return files, err
	}
	if r.Path != nil {
		if err := writeWith(files.Path, r.WritePathCSV); err != nil {
			return files, err
		}
	} else {
		files.Path = ""
	}
	if len(r.Directions) > 0 {
		info := map[string]any{"mode": r.Mode, "checkpoint": r.Checkpoint, "step": r.Step, "model": r.Model, "ignore": r.Ignore}
		if r.Mode == ModePCA {
			info["trajectory"], info["steps"], info["explained"] = r.Trajectory, r.Steps, r.Explained
		} else {
			info["norm"], info["seed"] = r.Norm, r.Seed
		}
		b, err := json.Marshal(info)
		if err != nil {
			return files, fmt.Errorf("landscape: %w", err)
		}
		meta := map[string]string{"descent.landscape": string(b)}
		if err := SaveDirections(files.Directions, r.Directions, meta); err != nil {
			return files, fmt.Errorf("landscape: %w", err)
		}
	} else {
		files.Directions = ""
	}
	return files, nil
}

// writeWith creates path and writes it with write(w, format), format
// being the extension without its dot.
func writeWith(path string, write func(io.Writer, string) error) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("landscape: %w", err)
	}
	bw := bufio.NewWriter(f)
	format := strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	if err := write(bw, format); err != nil {
		f.Close()
		return fmt.Errorf("landscape: %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("landscape: %s: %w", path, err)
	}
	return f.Close()
}

// WriteCSV writes one row per point: x, y (2-D only), loss, acc, with
// empty cells for non-finite values.
func (r *Result) WriteCSV(w io.Writer, _ string) error {
	head := "x,loss,acc\n"
	if r.Y != nil {
		head = "x,y,loss,acc\n"
	}
	if _, err := io.WriteString(w, head); err != nil {
		return err
	}
	for j, row := range r.Loss {
		for i, l := range row {
			line := num(r.X[i]) + ","
			if r.Y != nil {
				line += num(r.Y[j]) + ","
			}
			acc := math.NaN()
			if r.Acc != nil {
				acc = r.Acc[j][i]
			}
			line += num(l) + "," + num(acc) + "\n"
			if _, err := io.WriteString(w, line); err != nil {
				return err
			}
		}
	}
	return nil
}

// WritePathCSV writes a trajectory's path in the plane of ModePCA: one
// row per snapshot with its step and coordinates (pc1, pc2).
func (r *Result) WritePathCSV(w io.Writer, _ string) error {
	if _, err := io.WriteString(w, "step,pc1,pc2\n"); err != nil {
		return err
	}
	for i, q := range r.Path {
		step := ""
		if i < len(r.Steps) {
			step = strconv.Itoa(r.Steps[i])
		}
		if _, err := io.WriteString(w, step+","+num(q[0])+","+num(q[1])+"\n"); err != nil {
			return err
		}
	}
	return nil
}

func num(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// Draw draws the result as format ("png" or "svg"): a contour map of the
// loss for a 2-D grid (with ModePCA, the trajectory over it, a mark at
// every snapshot, and the principal components' explained fractions on
// the axes), the loss curve otherwise. Non-finite losses are gaps.
func (r *Result) Draw(w io.Writer, format string) error {
	title := fmt.Sprintf("%s (step %d), %s loss on %s %s", r.Model, r.Step, r.LossName, r.Data, r.Split)
	switch r.Mode {
	case Mode2D:
		return plot.Contour(w, format, plot.ContourFigure{
			Grid:   plot.Grid{X: r.X, Y: r.Y, Z: r.Loss},
			Title:  title,
			XLabel: fmt.Sprintf("α (direction 1, %s-normalised)", r.Norm),
			YLabel: fmt.Sprintf("β (direction 2, %s-normalised)", r.Norm),
			ZLabel: "loss", LogLevels: true, Start: &[2]float64{0, 0}, StartLabel: "checkpoint",
		})
	case ModePCA:
		f := plot.ContourFigure{
			Grid:   plot.Grid{X: r.X, Y: r.Y, Z: r.Loss},
			Title:  title,
			XLabel: fmt.Sprintf("PC1 (%.1f%%)", 100*r.Explained[0]),
			YLabel: fmt.Sprintf("PC2 (%.1f%%)", 100*r.Explained[1]),
			ZLabel: "loss", LogLevels: true,
		}
		if n := len(r.Path); n > 0 && len(r.Steps) == n {
			f.Paths = []plot.Path{{Name: fmt.Sprintf("training, snapshots to step %d", r.Steps[n-1]), Points: r.Path, Marks: true}}
			f.Start, f.StartLabel = &r.Path[0], fmt.Sprintf("start (step %d)", r.Steps[0])
		}
		return plot.Contour(w, format, f)
	case ModeInterp:
		return plot.Lines(w, format, plot.LineChart{
			Title: title, XLabel: "α in (1−α)·θ₁ + α·θ₂", YLabel: "loss", Points: true,
			Series:  []plot.Series{{X: r.X, Y: r.Loss[0]}},
			Markers: []plot.Marker{{X: 0, Label: "θ₁"}, {X: 1, Label: "θ₂"}},
		})
	default:
		return plot.Lines(w, format, plot.LineChart{
			Title: title, XLabel: fmt.Sprintf("α (%s-normalised direction)", r.Norm), YLabel: "loss", Points: true,
			Series: []plot.Series{{X: r.X, Y: r.Loss[0]}},
		})
	}
}
