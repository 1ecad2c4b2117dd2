// Package demo turns the claims of the optimisation lesson into runnable
// experiments: each demo runs the real optimizers (package optim, driven
// by the surface lab or the trainer), draws the pictures that show the
// claim and reports the numbers that back it.
//
// Demos register themselves in init; List returns them in name order and
// Run runs one by name. Each demo's Report holds its findings in words,
// a table of its numbers and the files it wrote, and its Numbers map is
// what the tests check the claim against.
package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// Config is how a demo runs. The zero value runs the full experiment with
// seed 0 and writes nothing.
type Config struct {
	// Out, when set, is the directory that receives the demo's pictures
	// (PNG, or SVG with Format "svg") and report.json; it is created if
	// missing.
	Out string
	// Format is the pictures' format: "png" (the default) or "svg".
	Format string
	// Quick runs a smaller version of the experiment (fewer steps, fewer
	// examples) that still shows the claim; tests use it.
	Quick bool
	// Seed seeds every random draw of the demo.
	Seed uint64
	// Threads, when positive, is how many threads training kernels use
	// (0: all cores).
	Threads int
	// Log, when not nil, receives a line of progress now and then.
	Log io.Writer
}

// Logf writes a progress line to c.Log, if any.
func (c Config) Logf(format string, args ...any) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, format+"\n", args...)
	}
}

// Picture returns the path of the picture called name (no extension) in
// c.Out, in c.Format, and that format; path is empty when c.Out is.
func (c Config) Picture(name string) (path, format string) {
	format = c.Format
	if format == "" {
		format = "png"
	}
	if c.Out == "" {
		return "", format
	}
	return filepath.Join(c.Out, name+"."+format), format
}

// Table is a demo's numbers as rows of cells under a header.
type Table struct {
	Header []string   `json:"header"`
	Rows   [][]string `json:"rows"`
}

// Report is what a demo found.
type Report struct {
	// Name and Title name the demo; Claim is the lesson's claim it
	// tests.
	Name  string `json:"name"`
	Title string `json:"title"`
	Claim string `json:"claim"`
	// Findings are the results in words, each with its numbers.
	Findings []string `json:"findings"`
	// Table holds the numbers behind the findings.
	Table *Table `json:"table,omitempty"`
	// Numbers are the key figures by name (the tests check the claim
	// on them).
	Numbers map[string]float64 `json:"numbers"`
	// Files are the pictures and data the demo wrote.
	Files []string `json:"files,omitempty"`
}

// Demo is one runnable experiment.
type Demo struct {
	// Name is how `descent demo NAME` calls it, as "momentum".
	Name string
	// Title is a short heading; Claim the lesson's claim it shows.
	Title, Claim string
	// Run runs the experiment. It fills every field of the Report but
	// Name, Title and Claim, which Run (the package function) sets.
	Run func(ctx context.Context, cfg Config) (*Report, error)
}

var registry = map[string]Demo{}

// register adds d; a second demo of the same name is a programming error.
func register(d Demo) {
	if _, dup := registry[d.Name]; dup {
		panic("demo: " + d.Name + " registered twice")
	}
	registry[d.Name] = d
}

// List returns every demo in name order.
func List() []Demo {
	out := make([]Demo, 0, len(registry))
	for _, d := range registry {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Names returns the demos' names in order.
func Names() []string {
	var names []string
	for _, d := range List() {
		names = append(names, d.Name)
	}
	return names
}

// Run runs the demo called name and, with cfg.Out, writes its pictures
// and report.json there.
func Run(ctx context.Context, name string, cfg Config) (*Report, error) {
	d, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("demo %q: unknown (want one of %s)", name, strings.Join(Names(), ", "))
	}
	switch cfg.Format {
	case "", "png", "svg":
	default:
		return nil, fmt.Errorf("demo %s: picture format %q: want png or svg", name, cfg.Format)
	}
	if cfg.Out != "" {
		if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
			return nil, fmt.Errorf("demo %s: %w", name, err)
		}
	}
	rep, err := d.Run(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("demo %s: %w", name, err)
	}
	rep.Name, rep.Title, rep.Claim = d.Name, d.Title, d.Claim
	if cfg.Out != "" {
		path := filepath.Join(cfg.Out, "report.json")
		rep.Files = append(slices.Clone(rep.Files), path)
		if err := writeJSON(path, rep); err != nil {
			return nil, fmt.Errorf("demo %s: %w", name, err)
		}
	}
	return rep, nil
}

// writeJSON writes v to path atomically (a temporary file renamed).
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(path, func(w io.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	})
}

// writeFile writes path atomically with write.
func writeFile(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	if err := tmp.Chmod(0o644); err != nil { // CreateTemp makes it 0600
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := write(tmp); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

// WriteText writes a report for a person: title, claim, findings, the
// table and the files.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\nclaim: %s\n\n", r.Name, r.Title, r.Claim)
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "- %s\n", f)
	}
	if r.Table != nil && len(r.Table.Header) > 0 {
		b.WriteString("\n")
		writeTable(&b, r.Table)
	}
	if len(r.Files) > 0 {
		b.WriteString("\nwrote:\n")
		for _, f := range r.Files {
			fmt.Fprintf(&b, "  %s\n", f)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeTable writes t as aligned columns.
func writeTable(b *strings.Builder, t *Table) {
	width := make([]int, len(t.Header))
	for i, h := range t.Header {
		width[i] = len([]rune(h))
	}
	for _, row := range t.Rows {
		for i, c := range row {
			if i < len(width) {
				width[i] = max(width[i], len([]rune(c)))
			}
		}
	}
	line := func(cells []string) {
		for i, c := range cells {
			if i >= len(width) {
				break
			}
			if i > 0 {
				b.WriteString("  ")
			}
			pad := width[i] - len([]rune(c))
			if i == 0 {
				b.WriteString(c + strings.Repeat(" ", pad))
			} else {
				b.WriteString(strings.Repeat(" ", pad) + c)
			}
		}
		b.WriteString("\n")
	}
	line(t.Header)
	for _, row := range t.Rows {
		line(row)
	}
}
