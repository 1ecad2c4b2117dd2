fetch("/api/race")
