package cloudevents

import (
	"os"
	"path/filepath"
)

// DefaultSource is the source given to answers without one: FN_CE_SOURCE, else "/fn/<K_SERVICE>", else
// "/fn/<function folder name>".
func DefaultSource() string {
	if s := os.Getenv("FN_CE_SOURCE"); s != "" {
		return s
	}
	name := os.Getenv("K_SERVICE")
	if name == "" {
		dir := os.Getenv("FN_FUNCTION_DIR")
		if dir == "" {
			dir, _ = os.Getwd()
		}
		name = filepath.Base(dir)
	}
	return "/fn/" + name
}
