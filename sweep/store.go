package sweep

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/descent-ml/descent/train"
)

// store is a sweep's results file, open for appending.
type store struct {
	path string
	mu   sync.Mutex
	f    *os.File
}

// openStore reads the results file in dir (created, with dir, if
// missing) and opens it for appending. It returns the trials it holds by
// job (the last line of a job wins) and a warning for each line it cannot
// read. A last line cut short, as a kill in the middle of a write leaves
// it, is removed from the file.
func openStore(dir string) (*store, map[train.Config]Trial, []string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, nil, fmt.Errorf("sweep: out %s: %w", dir, err)
	}
	path := filepath.Join(dir, ResultsFile)
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil, fmt.Errorf("sweep: %w", err)
	}
	records, warnings, keep := readRecords(path, data)
	if keep < len(data) {
		if err := os.Truncate(path, int64(keep)); err != nil {
			return nil, nil, nil, fmt.Errorf("sweep: dropping the cut-short last line of %s: %w", path, err)
		}
		data = data[:keep]
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("sweep: %w", err)
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		// A last line that reads but has no newline: end it, so that the
		// next line starts on its own.
		if _, err := f.Write([]byte{'\n'}); err != nil {
			f.Close()
			return nil, nil, nil, fmt.Errorf("sweep: %w", err)
		}
	}
	return &store{path: path, f: f}, records, warnings, nil
}

// readRecords parses the lines of a results file. keep is the length of
// data to keep: all of it, or up to a last line that is cut short.
func readRecords(path string, data []byte) (records map[train.Config]Trial, warnings []string, keep int) {
	records = map[train.Config]Trial{}
	keep = len(data)
	for n, start := 1, 0; start < len(data); n++ {
		end := bytes.IndexByte(data[start:], '\n')
		last := end < 0
		if last {
			end = len(data)
		} else {
			end += start
		}
		line := bytes.TrimSpace(data[start:end])
		if len(line) > 0 {
			var t Trial
			err := json.Unmarshal(line, &t)
			if err == nil {
				err = t.checkRecord()
			}
			switch {
			case err == nil:
				records[t.Config] = t
			case last:
				warnings = append(warnings, fmt.Sprintf("%s:%d: the last line is cut short (a write was interrupted): dropped it (%v)", path, n, err))
				keep = start
			default:
				warnings = append(warnings, fmt.Sprintf("%s:%d: cannot read the line, ignored: %v", path, n, err))
			}
		}
		start = end + 1
	}
	return records, warnings, keep
}

// checkRecord checks a line read back from a results file.
func (t *Trial) checkRecord() error {
	switch t.Status {
	case StatusDone:
		if t.Result == nil {
			return errors.New("a done trial without its result")
		}
	case StatusDiverged, StatusFailed:
	default:
		return fmt.Errorf("status %q: want done, diverged or failed", t.Status)
	}
	return nil
}

// append writes t as one line and syncs the file.
func (s *store) append(t Trial) error {
	t.Rank, t.Metric, t.Resumed = 0, nil, false
	b, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("sweep: trial %d: %w", t.Index+1, err)
	}
	b = append(b, '\n')
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.f.Write(b); err != nil {
		return fmt.Errorf("sweep: writing %s: %w", s.path, err)
	}
	if err := s.f.Sync(); err != nil {
		return fmt.Errorf("sweep: syncing %s: %w", s.path, err)
	}
	return nil
}

func (s *store) close() error { return s.f.Close() }
