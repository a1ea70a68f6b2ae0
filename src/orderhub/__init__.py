"""OrderHub: the universal ordering portal for hearing-acoustics practices."""
