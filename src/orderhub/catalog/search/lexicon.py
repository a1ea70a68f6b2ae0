"""The trade lexicon shipped with OrderHub: words of the hearing-acoustics trade that mean the same.

Each entry is one group of equivalent terms — German as practice staff write them, English as
manufacturers' catalogs do, abbreviations, and for batteries the size, the IEC name and the colour
code of the tab. A query word found in a group also looks for the group's other terms (at a small
discount), so "Schirmchen" finds "Dome", "HdO" finds "BTE", "PR41" finds "312".

The operator edits the lexicon in the admin (``TradeTerm``); the database copy is seeded from this
list by a migration and is what searches use. Terms are written as people write them; they are
folded like every text (``text.fold``) before they are compared. Documented in
``docs/catalog-search.md``.
"""

from __future__ import annotations

# (terms, note). The first term is the entry's name in the admin.
SHIPPED: list[tuple[tuple[str, ...], str]] = [
    # Device styles
    (("HdO", "BTE", "hinter dem Ohr", "behind the ear"), "Bauform hinter dem Ohr"),
    (("IdO", "ITE", "im Ohr", "in the ear"), "Bauform im Ohr"),
    (
        ("RIC", "RITE", "Ex-Hörer", "Exhörer", "externer Hörer", "receiver in canal"),
        "Hörer im Gehörgang",
    ),
    (("ITC", "Gehörgangsgerät", "in the canal"), "Bauform im Gehörgang"),
    (("CIC", "completely in canal", "Tiefgehörgang"), "Bauform tief im Gehörgang"),
    (("IIC", "invisible in canal", "unsichtbar"), "unsichtbare Bauform"),
    (("CROS", "BiCROS", "Transmitter"), "Versorgung einseitiger Taubheit"),
    (("Hörgerät", "Hörsystem", "Hörhilfe", "hearing aid", "hearing instrument"), "das Gerät"),
    # Parts
    (("Hörer", "Receiver", "Lautsprecher", "speaker"), "Hörer eines RIC-Geräts"),
    (("Dome", "Schirmchen", "Schirm", "Tip", "ear tip", "Ohrschirm"), "Schirmchen am Hörer"),
    (
        ("Ohrpassstück", "Otoplastik", "Ohrstück", "Passstück", "earmold", "earmould"),
        "individuelles Ohrpassstück",
    ),
    (("Schlauch", "Schallschlauch", "Hörgeräteschlauch", "tube", "tubing"), "Schallschlauch"),
    (("Dünnschlauch", "thin tube", "slim tube", "Slimtube"), "dünner Schallschlauch"),
    (("Winkel", "Tragehaken", "Ohrhaken", "Haken", "earhook", "hook"), "Winkel am HdO"),
    (("Kinderwinkel", "paediatric hook", "pediatric hook"), "Winkel für Kinder"),
    (
        (
            "Filter",
            "Cerumenfilter",
            "Cerumenschutz",
            "Cerumenschutzfilter",
            "Wachsschutz",
            "Wachsfilter",
            "Ohrschmalzfilter",
            "wax guard",
            "wax filter",
            "WaxStop",
        ),
        "Cerumenschutz",
    ),
    (("Mikrofonschutz", "Mikrofonfilter", "microphone cover", "mic cover"), "Schutz des Mikrofons"),
    (("Mikrofon", "microphone", "Mic"), "Mikrofon"),
    (("Batteriefach", "Batterieklappe", "battery door"), "Fach der Batterie"),
    (("Haltefaden", "Halteschnur", "Sportlock", "retention line", "Zugfaden"), "Halt im Ohr"),
    (("Kralle", "Krallenform", "canal lock", "Claw"), "Ohrpassstück-Form"),
    (("Vollschale", "full shell", "Concha"), "Ohrpassstück-Form"),
    (("Halbschale", "half shell"), "Ohrpassstück-Form"),
    (("Belüftung", "Zusatzbohrung", "Bohrung", "Vent", "Venting"), "Belüftung der Otoplastik"),
    (("Acryl", "Acrylat", "acrylic", "hart", "hard"), "Material der Otoplastik"),
    (("Silikon", "silicone", "weich", "soft"), "Material der Otoplastik"),
    # Dome types and sizes
    (("offen", "open", "vented"), "Dome-Typ"),
    (("geschlossen", "closed"), "Dome-Typ"),
    (("Tulpe", "Tulip", "Tulpendome"), "Dome-Typ"),
    (("Power", "Powerdome", "double", "doppelt"), "Dome-Typ / Hörerleistung"),
    (("klein", "small"), "Größe"),
    (("mittel", "medium"), "Größe"),
    (("groß", "large"), "Größe"),
    # Receiver power
    (("Standard", "Normal"), "Hörerleistung"),
    (("Ultra Power", "UP"), "Hörerleistung"),
    (("Super Power", "Superpower", "SP", "Power"), "Hörerleistung / HdO-Bauform"),
    (("High Power", "HP"), "Hörerleistung"),
    (("Länge", "length", "Lg"), "Hörerlänge"),
    (("Größe", "size", "Gr"), "Größe"),
    # Batteries
    (
        ("Batterie", "Batterien", "battery", "batteries", "Knopfzelle", "Zelle", "cell"),
        "Hörgerätebatterie",
    ),
    (("Zink-Luft", "Zinkluft", "zinc air", "zinc-air"), "Batteriechemie"),
    (("10", "PR70", "gelb", "yellow"), "Batteriegröße 10: IEC PR70, Lasche gelb"),
    (("312", "PR41", "braun", "brown"), "Batteriegröße 312: IEC PR41, Lasche braun"),
    (("13", "PR48", "orange"), "Batteriegröße 13: IEC PR48, Lasche orange"),
    (("675", "PR44", "blau", "blue"), "Batteriegröße 675: IEC PR44, Lasche blau"),
    (("Akku", "rechargeable", "wiederaufladbar", "Li-Ion", "Lithium-Ionen"), "wiederaufladbar"),
    (("Ladegerät", "Ladestation", "Ladeschale", "charger", "charging case"), "Laden"),
    # Care and accessories
    (
        ("Trockenkapsel", "Trockenmittel", "Trockentablette", "dry capsule", "desiccant"),
        "Trocknung",
    ),
    (("Trockenbox", "Trockengerät", "dry box", "drying box", "Trockendose"), "Trocknung"),
    (("Reinigungstuch", "Reinigungstücher", "Feuchttücher", "cleaning wipes", "wipes"), "Pflege"),
    (("Reinigungsspray", "cleaning spray", "Pflegespray"), "Pflege"),
    (("Pflegeset", "Reinigungsset", "care kit", "cleaning kit"), "Pflege"),
    (("Bürste", "Reinigungsbürste", "brush", "Wachsschlinge", "wax loop"), "Pflege"),
    (("Puster", "Blasebalg", "air blower", "Luftpumpe"), "Schlauch ausblasen"),
    (("Fernbedienung", "remote control", "Remote"), "Zubehör"),
    (("Otoblock", "Ohrblock", "Tamponade", "ear dam"), "Abformung"),
    (("Abformmasse", "Abdruckmasse", "impression material", "Abformmaterial"), "Abformung"),
    (("Abformspritze", "Spritze", "impression syringe"), "Abformung"),
    (("Gehörschutz", "hearing protection", "Ohrstöpsel", "earplug"), "Gehörschutz"),
    (("Tinnitus", "Noiser", "Rauschgenerator", "Tinnitusgerät"), "Tinnitus"),
    # Colours
    (("silber", "silver"), "Farbe"),
    (("beige", "hautfarben", "skin"), "Farbe"),
    (("schwarz", "black"), "Farbe"),
    (("weiß", "white"), "Farbe"),
    (("grau", "grey", "gray", "anthrazit"), "Farbe"),
    (("rot", "red"), "Farbe"),
    (("transparent", "klar", "clear"), "Farbe der Otoplastik"),
    # Units and packs
    (("Stück", "Stk", "St", "pcs", "pieces", "piece"), "Packungsgröße"),
    (("Packung", "Pack", "Pck", "Pkg", "package"), "Packung"),
    (("Paar", "pair"), "Paar"),
    # Sides (also read as the hard attribute "side", see text.SIDE_WORDS)
    (("links", "left", "li"), "Seite"),
    (("rechts", "right", "re"), "Seite"),
]
