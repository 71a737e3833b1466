"""Each force's reporting settings and the tables it uploads."""
