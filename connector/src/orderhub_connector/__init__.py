"""OrderHub practice-side connector."""
