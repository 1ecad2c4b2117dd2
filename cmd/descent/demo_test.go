package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDemoSurfaceList: the loss-surface demos are listed, in words and
// as JSON.
func TestDemoSurfaceList(t *testing.T) {
	names := []string{"momentum", "nesterov", "plateau", "saddle"}
	code, out, errOut := runCLI("demo")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, n := range names {
		if !strings.Contains(out, "\n"+n+" ") && !strings.HasPrefix(out, n+" ") {
			t.Errorf("descent demo does not list %s:\n%s", n, out)
		}
	}
	code, out, errOut = runCLI("demo", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var list []struct{ Name, Title, Claim string }
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	listed := map[string]bool{}
	for _, d := range list {
		listed[d.Name] = d.Title != "" && d.Claim != ""
	}
	for _, n := range names {
		if !listed[n] {
			t.Errorf("descent demo --json lacks %s (or its title and claim): %s", n, out)
		}
	}
}

// TestDemoSurfaceJSON: descent demo momentum --quick --json prints the
// report as one JSON object on stdout (progress goes to stderr) and writes
// its pictures and report.json into --out.
func TestDemoSurfaceJSON(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "momentum")
	code, out, errOut := runCLI("demo", "momentum", "--quick", "--out", dir, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "momentum: racing") {
		t.Errorf("no progress on stderr: %q", errOut)
	}
	var rep struct {
		Name     string             `json:"name"`
		Findings []string           `json:"findings"`
		Numbers  map[string]float64 `json:"numbers"`
		Files    []string           `json:"files"`
	}
	dec := json.NewDecoder(strings.NewReader(out))
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	if dec.More() {
		t.Errorf("more than one JSON value on stdout: %s", out)
	}
	if rep.Name != "momentum" || len(rep.Findings) == 0 || rep.Numbers["quadratic_gd_steps"] <= 0 {
		t.Errorf("report %+v", rep)
	}
	for _, f := range append(rep.Files, filepath.Join(dir, "report.json"), filepath.Join(dir, "momentum-quadratic.png")) {
		if st, err := os.Stat(f); err != nil || st.Size() == 0 {
			t.Errorf("%s: missing or empty (%v)", f, err)
		}
	}
}
