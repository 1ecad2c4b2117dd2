package data

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestReadCSV(t *testing.T) {
	tests := []struct {
		name       string
		input      string
		opt        CSVOptions
		x          []float32
		shape      []int
		labels     []int
		classes    int
		classNames []string
		targets    []float32
	}{
		{
			name:  "named label, string classes",
			input: "sepal,petal,species\n5.1,1.4,setosa\n7.0,4.7,versicolor\n6.3,6.0,virginica\n4.9,1.4,setosa\n",
			opt:   CSVOptions{Label: "species"},
			x:     []float32{5.1, 1.4, 7.0, 4.7, 6.3, 6.0, 4.9, 1.4}, shape: []int{2},
			labels: []int{0, 1, 2, 0}, classes: 3, classNames: []string{"setosa", "versicolor", "virginica"},
		},
		{
			name:  "label first, no header, class ids",
			input: "5,0,0.5\n0,1,1\n9,0.25,0\n",
			x:     []float32{0, 0.5, 1, 1, 0.25, 0}, shape: []int{2},
			labels: []int{5, 0, 9}, classes: 10,
		},
		{
			name:  "last column by negative index, header detected",
			input: "a,b,y\n1,2,0.5\n3,4,-1.25\n",
			opt:   CSVOptions{LabelIndex: -1},
			x:     []float32{1, 2, 3, 4}, shape: []int{2},
			targets: []float32{0.5, -1.25},
		},
		{
			name:  "integers forced to regression",
			input: "1,2,3\n4,5,6\n",
			opt:   CSVOptions{LabelIndex: 2, Task: TaskRegression},
			x:     []float32{1, 2, 4, 5}, shape: []int{2},
			targets: []float32{3, 6},
		},
		{
			name:  "floats forced to classes, sorted numerically",
			input: "10,1\n2.5,2\n10,3\n-1,4\n",
			opt:   CSVOptions{Task: TaskClassification},
			x:     []float32{1, 2, 3, 4}, shape: []int{1},
			labels: []int{2, 1, 2, 0}, classes: 3, classNames: []string{"-1", "2.5", "10"},
		},
		{
			name:  "negative integers mapped",
			input: "-1,0\n1,0\n-1,1\n",
			x:     []float32{0, 0, 1}, shape: []int{1},
			labels: []int{0, 1, 0}, classes: 2, classNames: []string{"-1", "1"},
		},
		{
			name:  "large integers mapped",
			input: "100000,1\n7,2\n",
			x:     []float32{1, 2}, shape: []int{1},
			labels: []int{1, 0}, classes: 2, classNames: []string{"7", "100000"},
		},
		{
			name:  "semicolons, comments, CRLF, quotes, spaces, BOM",
			input: "\ufeffx;\"label\"\r\n# a comment\r\n 1.5 ;\" cat \"\r\n\r\n2e-1;dog\r\n",
			opt:   CSVOptions{Comma: ';', Comment: '#', LabelIndex: 1, Header: HeaderYes},
			x:     []float32{1.5, 0.2}, shape: []int{1},
			labels: []int{0, 1}, classes: 2, classNames: []string{"cat", "dog"},
		},
		{
			name:  "explicit no header",
			input: "1,2\n3,4\n",
			opt:   CSVOptions{Header: HeaderNo, LabelIndex: 1},
			x:     []float32{1, 3}, shape: []int{1},
			labels: []int{2, 4}, classes: 5,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ds, err := ReadCSV(strings.NewReader(tc.input), "t.csv", tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if err := ds.Validate(); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ds.X, tc.x) || !slices.Equal(ds.Shape, tc.shape) {
				t.Errorf("features %v shape %v, want %v %v", ds.X, ds.Shape, tc.x, tc.shape)
			}
			if !slices.Equal(ds.Labels, tc.labels) || ds.NumClasses != tc.classes || !slices.Equal(ds.ClassNames, tc.classNames) {
				t.Errorf("labels %v classes %d names %q, want %v %d %q", ds.Labels, ds.NumClasses, ds.ClassNames, tc.labels, tc.classes, tc.classNames)
			}
			if !slices.Equal(ds.Targets, tc.targets) || tc.targets != nil && ds.TargetDim != 1 {
				t.Errorf("targets %v (dim %d), want %v", ds.Targets, ds.TargetDim, tc.targets)
			}
		})
	}
}

func TestReadCSVErrors(t *testing.T) {
	tests := []struct {
		name  string
		input string
		opt   CSVOptions
		want  string // the message after the file name
	}{
		{"not a number", "a,b,y\n1,2,0\n3,x,1\n", CSVOptions{LabelIndex: -1}, `line 3, column 2 ("b"): "x" is not a number`},
		{"not a number, no header", "0,1,2\n1,2,oops\n", CSVOptions{}, `line 2, column 3: "oops" is not a number`},
		{"empty field", "y,a\n1,\n", CSVOptions{}, `line 2, column 2 ("a"): empty field`},
		{"empty label", "1,2\n,3\n", CSVOptions{}, `line 2, column 1: empty field`},
		{"field count", "1,2,3\n4,5,6\n7,8\n", CSVOptions{}, `line 3: 2 fields, want 3 (as on line 1)`},
		{"not finite", "0,1\n1,NaN\n", CSVOptions{}, `line 2, column 2: "NaN" is not a finite number`},
		{"infinite", "0,-Inf\n", CSVOptions{}, `line 1, column 2: "-Inf" is not a finite number`},
		{"float32 overflow", "0,1e39\n", CSVOptions{}, `line 1, column 2: "1e39" is out of float32 range`},
		{"regression target", "1,2\nfoo,3\n", CSVOptions{Task: TaskRegression, Header: HeaderNo}, `line 2, column 1: regression target: "foo" is not a number`},
		{"regression NaN target", "x,y\n1,0.5\n2,NaN\n", CSVOptions{Label: "y"}, `line 3, column 2 ("y"): regression target: "NaN" is not a finite number`},
		{"no such label", "a,b\n1,2\n", CSVOptions{Label: "c"}, `line 1: no column named "c" in the header ["a" "b"]`},
		{"label twice", "y,a,y\n1,2,3\n", CSVOptions{Label: "y"}, `line 1, column 3 ("y"): label column "y" appears twice (columns 1 and 3)`},
		{"label index", "1,2\n", CSVOptions{LabelIndex: 2}, `line 1: label column index 2, but records have 2 fields`},
		{"negative label index", "1,2\n", CSVOptions{LabelIndex: -3}, `label column index -3`},
		{"one column", "1\n2\n", CSVOptions{}, `line 1: 1 field(s); need a label column`},
		{"header only", "a,b\n", CSVOptions{Header: HeaderYes}, `line 1: a header and no data`},
		{"empty", "", CSVOptions{}, `line 1: no records`},
		{"comments only", "# x\n# y\n", CSVOptions{Comment: '#'}, `no records`},
		{"bare quote", "1,2\n3,4\"5\n", CSVOptions{}, `line 2: byte 4: bare " in non-quoted-field`},
		{"line after a multi-line field", "\"a\nb\",x\n1,2\n3,?\n", CSVOptions{Header: HeaderYes}, `line 4, column 2 ("x"): "?" is not a number`},
		{"label named without header", "a,b\n", CSVOptions{Label: "a", Header: HeaderNo}, `label column "a" named, but the file is read without a header`},
		{"bad separator", "1,2\n", CSVOptions{Comma: '"'}, `invalid separator`},
		{"bad header setting", "1,2\n", CSVOptions{Header: 7}, `unknown header setting 7`},
		{"bad task", "1,2\n", CSVOptions{Task: 9}, `unknown task 9`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadCSV(strings.NewReader(tc.input), "bad.csv", tc.opt)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), "bad.csv") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\nwant it to name bad.csv and say %q", err, tc.want)
			}
		})
	}
}

func TestLoadCSVFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "data.csv")
	if err := os.WriteFile(p, []byte("x1,x2,y\n0,1,a\n1,0,b\n1,1,q\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ds, err := LoadCSV(p, CSVOptions{Label: "y"})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Len() != 3 || ds.NumClasses != 3 {
		t.Errorf("len %d classes %d", ds.Len(), ds.NumClasses)
	}
	if err := os.WriteFile(p, []byte("x1,y\n0,a\nz,b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = LoadCSV(p, CSVOptions{Label: "y"})
	var ce *CSVError
	if !errors.As(err, &ce) || ce.File != p || ce.Line != 3 || ce.Column != 1 || ce.Name != "x1" {
		t.Errorf("error %#v", err)
	}
	if _, err := LoadCSV(filepath.Join(dir, "missing.csv"), CSVOptions{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// FuzzCSV feeds arbitrary text and options to the CSV reader: it must
// return a *CSVError (or a settings error) or a valid Dataset, never panic.
func FuzzCSV(f *testing.F) {
	f.Add([]byte("a,b,y\n1,2,cat\n3,4,dog\n"), -1, uint8(0), uint8(0))
	f.Fuzz(func(t *testing.T, b []byte, labelIndex int, header, task uint8) {
		opt := CSVOptions{LabelIndex: labelIndex, Header: CSVHeader(header % 4), Task: CSVTask(task % 4)}
		if task&0x80 != 0 {
			opt.Label = "y"
		}
		ds, err := ReadCSV(strings.NewReader(string(b)), "fuzz.csv", opt)
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.csv") {
				t.Fatalf("error %v does not name the file", err)
			}
			return
		}
		if err := ds.Validate(); err != nil {
			t.Fatalf("invalid dataset: %v", err)
		}
		if ds.Len() < 1 || ds.Kind() == Unlabeled {
			t.Fatalf("%d examples, kind %v", ds.Len(), ds.Kind())
		}
	})
}
