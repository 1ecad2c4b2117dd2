package data

import (
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

// CSVHeader says whether a CSV file's first record names its columns.
type CSVHeader int

// The header settings.
const (
	// HeaderAuto takes the first record for a header when a label column
	// is named, or when one of its feature fields is not a number.
	HeaderAuto CSVHeader = iota
	// HeaderYes: the first record is a header.
	HeaderYes
	// HeaderNo: the first record is data.
	HeaderNo
)

// CSVTask says how a CSV file's label column is read.
type CSVTask int

// The tasks.
const (
	// TaskAuto reads integer labels as class ids, other numbers as
	// regression targets, and anything else as class names.
	TaskAuto CSVTask = iota
	// TaskClassification reads every label as a class: integers as class
	// ids, other values as class names.
	TaskClassification
	// TaskRegression reads every label as a float32 target.
	TaskRegression
)

// CSVOptions say how to read a CSV file. The zero value reads a
// comma-separated file whose first column is the label, with or without a
// header.
type CSVOptions struct {
	// Label names the label column (in the header). When empty, LabelIndex
	// picks it.
	Label string
	// LabelIndex is the label column's 0-based position when Label is
	// empty; a negative index counts from the end (-1 is the last column).
	LabelIndex int
	Header     CSVHeader
	Task       CSVTask
	Comma      rune // field separator; 0 means ','
	Comment    rune // lines starting with it are skipped; 0 means none
}

// CSVError is a fault in a CSV file: its name, the line (1-based), the
// column (the 1-based field number, 0 when the fault is not in one field)
// and the column's name from the header, if any.
type CSVError struct {
	File   string
	Line   int
	Column int
	Name   string
	Msg    string
	Err    error // the underlying error, if any
}

// Error returns `FILE: line L, column C ("NAME"): MSG`.
func (e *CSVError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: line %d", e.File, e.Line)
	if e.Column > 0 {
		fmt.Fprintf(&b, ", column %d", e.Column)
		if e.Name != "" {
			fmt.Fprintf(&b, " (%q)", e.Name)
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the underlying error.
func (e *CSVError) Unwrap() error { return e.Err }

// LoadCSV reads the CSV file at path; see ReadCSV.
func LoadCSV(path string, opt CSVOptions) (*Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load csv: %w", err)
	}
	defer f.Close()
	return ReadCSV(f, path, opt)
}

// csvLabel is one label field as read, with its place for errors.
type csvLabel struct {
	text string
	line int
}

// ReadCSV reads a table of examples from r, one record per line: float32
// features and one label column, chosen by opt. name is used in errors.
//
// Every record must have the same number of fields, every feature field
// must be a finite number, and no field may be empty; a fault is reported
// as a *CSVError naming the line and column. Examples have shape [D], D
// being the number of columns less the label.
//
// With TaskAuto the labels decide the task: all integers make a
// classification set, other numbers a regression set (one target per
// example), anything else a classification set with a class per distinct
// label. Non-negative integer labels below 65536 are the class ids
// themselves (NumClasses is the largest plus one); other labels are given
// ids in sorted order (numerically for numbers, else by string) and
// recorded in ClassNames.
func ReadCSV(r io.Reader, name string, opt CSVOptions) (*Dataset, error) {
	if r == nil {
		return nil, fmt.Errorf("read csv %s: nil reader", name)
	}
	cr := csv.NewReader(r)
	cr.Comma = ','
	if opt.Comma != 0 {
		cr.Comma = opt.Comma
	}
	cr.Comment = opt.Comment
	cr.FieldsPerRecord = -1 // checked here, for a better message
	cr.ReuseRecord = true
	if !validDelim(cr.Comma) || cr.Comment != 0 && (!validDelim(cr.Comment) || cr.Comment == cr.Comma) {
		return nil, fmt.Errorf("read csv %s: invalid separator %q or comment character %q", name, cr.Comma, cr.Comment)
	}

	rd := &csvReader{name: name, cr: cr, opt: opt}
	if err := rd.read(); err != nil {
		return nil, err
	}
	return rd.dataset()
}

// validDelim reports whether csv.Reader accepts r as a separator.
func validDelim(r rune) bool {
	return r != 0 && r != '"' && r != '\r' && r != '\n' && r != 0xFFFD && r <= 0x10FFFF && !(0xD800 <= r && r <= 0xDFFF)
}

type csvReader struct {
	name string
	cr   *csv.Reader
	opt  CSVOptions

	names  []string // the header, nil without one
	nf     int      // fields per record
	label  int      // the label column
	header bool     // whether the first record was a header
	line1  int      // the first record's line

	x      []float32
	labels []csvLabel
}

func (rd *csvReader) errorf(line, field int, err error, format string, args ...any) *CSVError {
	e := &CSVError{File: rd.name, Line: line, Msg: fmt.Sprintf(format, args...), Err: err}
	if field >= 0 {
		e.Column = field + 1
		if rd.names != nil && field < len(rd.names) {
			e.Name = rd.names[field]
		}
	}
	return e
}

// next returns the next record, nil at the end of the input.
func (rd *csvReader) next() ([]string, error) {
	rec, err := rd.cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, rd.errorf(pe.Line, -1, err, "byte %d: %v", pe.Column, pe.Err)
		}
		line, _ := rd.cr.FieldPos(0)
		return nil, rd.errorf(line, -1, err, "%v", err)
	}
	for i := range rec {
		rec[i] = strings.TrimSpace(rec[i])
	}
	return rec, nil
}

func (rd *csvReader) read() error {
	rec, err := rd.next()
	if err != nil {
		return err
	}
	if rec == nil {
		return &CSVError{File: rd.name, Line: 1, Msg: "no records"}
	}
	rd.line1, _ = rd.cr.FieldPos(0)
	rec[0] = strings.TrimPrefix(rec[0], "\ufeff") // a byte-order mark
	rd.nf = len(rec)
	if rd.nf < 2 {
		return rd.errorf(rd.line1, -1, nil, "%d field(s); need a label column and at least one feature column", rd.nf)
	}
	if err := rd.chooseColumns(rec); err != nil {
		return err
	}
	if !rd.header {
		if err := rd.row(rec); err != nil {
			return err
		}
	}
	for {
		rec, err := rd.next()
		if err != nil {
			return err
		}
		if rec == nil {
			break
		}
		if err := rd.row(rec); err != nil {
			return err
		}
	}
	if len(rd.labels) == 0 {
		return rd.errorf(rd.line1, -1, nil, "a header and no data")
	}
	return nil
}

// chooseColumns decides from the first record whether it is a header and
// which column holds the labels.
func (rd *csvReader) chooseColumns(first []string) error {
	switch rd.opt.Header {
	case HeaderYes:
		rd.header = true
	case HeaderNo:
		rd.header = false
	case HeaderAuto:
		rd.header = rd.opt.Label != ""
	default:
		return fmt.Errorf("read csv %s: unknown header setting %d", rd.name, rd.opt.Header)
	}
	if rd.opt.Label != "" {
		if !rd.header {
			return fmt.Errorf("read csv %s: label column %q named, but the file is read without a header", rd.name, rd.opt.Label)
		}
		rd.names = slices.Clone(first)
		rd.label = -1
		for i, n := range rd.names {
			if n == rd.opt.Label {
				if rd.label >= 0 {
					return rd.errorf(rd.line1, i, nil, "label column %q appears twice (columns %d and %d)", n, rd.label+1, i+1)
				}
				rd.label = i
			}
		}
		if rd.label < 0 {
			return rd.errorf(rd.line1, -1, nil, "no column named %q in the header %q", rd.opt.Label, rd.names)
		}
		return nil
	}
	rd.label = rd.opt.LabelIndex
	if rd.label < 0 {
		rd.label += rd.nf
	}
	if rd.label < 0 || rd.label >= rd.nf {
		return rd.errorf(rd.line1, -1, nil, "label column index %d, but records have %d fields", rd.opt.LabelIndex, rd.nf)
	}
	if rd.opt.Header == HeaderAuto {
		for i, s := range first {
			if i == rd.label {
				continue
			}
			if _, err := strconv.ParseFloat(s, 32); err != nil && !isRangeErr(err) {
				rd.header = true
				break
			}
		}
	}
	if rd.header {
		rd.names = slices.Clone(first)
	}
	return nil
}

// isRangeErr reports whether err is strconv's out-of-range error.
func isRangeErr(err error) bool { return errors.Is(err, strconv.ErrRange) }

// row reads one data record.
func (rd *csvReader) row(rec []string) error {
	line, _ := rd.cr.FieldPos(0)
	if len(rec) != rd.nf {
		return rd.errorf(line, -1, nil, "%d fields, want %d (as on line %d)", len(rec), rd.nf, rd.line1)
	}
	for i, s := range rec {
		fline, _ := rd.cr.FieldPos(i)
		if s == "" {
			return rd.errorf(fline, i, nil, "empty field")
		}
		if i == rd.label {
			rd.labels = append(rd.labels, csvLabel{text: s, line: fline})
			continue
		}
		v, err := parseFloat32(s)
		if err != nil {
			return rd.errorf(fline, i, err, "%v", err)
		}
		rd.x = append(rd.x, v)
	}
	return nil
}

// parseFloat32 parses a finite float32.
func parseFloat32(s string) (float32, error) {
	v, err := strconv.ParseFloat(s, 32)
	switch {
	case isRangeErr(err):
		return 0, fmt.Errorf("%q is out of float32 range", s)
	case err != nil:
		return 0, fmt.Errorf("%q is not a number", s)
	case math.IsNaN(v) || math.IsInf(v, 0):
		return 0, fmt.Errorf("%q is not a finite number", s)
	}
	return float32(v), nil
}

// maxDirectClass bounds integer labels taken as class ids as they are.
const maxDirectClass = 1 << 16

// dataset turns the rows read into a Dataset, choosing the task.
func (rd *csvReader) dataset() (*Dataset, error) {
	ds := &Dataset{X: rd.x, Shape: []int{rd.nf - 1}}
	n := len(rd.labels)
	ints := make([]int, n)
	allInt, allNum := true, true
	for i, l := range rd.labels {
		v, err := strconv.Atoi(l.text)
		if err != nil {
			allInt = false
			if _, err := strconv.ParseFloat(l.text, 64); err != nil && !isRangeErr(err) {
				allNum = false
				break
			}
		}
		ints[i] = v
	}
	task := rd.opt.Task
	switch task {
	case TaskAuto:
		task = TaskClassification
		if !allInt && allNum {
			task = TaskRegression
		}
	case TaskClassification, TaskRegression:
	default:
		return nil, fmt.Errorf("read csv %s: unknown task %d", rd.name, rd.opt.Task)
	}
	if task == TaskRegression {
		ds.Targets = make([]float32, n)
		ds.TargetDim = 1
		for i, l := range rd.labels {
			v, err := parseFloat32(l.text)
			if err != nil {
				return nil, rd.errorf(l.line, rd.label, err, "regression target: %v", err)
			}
			ds.Targets[i] = v
		}
		return ds, nil
	}
	if allInt && slices.Min(ints) >= 0 && slices.Max(ints) < maxDirectClass {
		ds.Labels = ints
		ds.NumClasses = slices.Max(ints) + 1
		return ds, nil
	}
	// Class names, in sorted order.
	texts := make([]string, n)
	for i, l := range rd.labels {
		texts[i] = l.text
	}
	names := slices.Clone(texts)
	if allNum {
		num := func(s string) float64 { v, _ := strconv.ParseFloat(s, 64); return v }
		slices.SortFunc(names, func(a, b string) int {
			return cmp.Or(cmp.Compare(num(a), num(b)), strings.Compare(a, b))
		})
	} else {
		slices.Sort(names)
	}
	names = slices.Compact(names)
	id := make(map[string]int, len(names))
	for i, s := range names {
		id[s] = i
	}
	ds.Labels = ints
	for i, s := range texts {
		ds.Labels[i] = id[s]
	}
	ds.NumClasses = len(names)
	ds.ClassNames = names
	return ds, nil
}
