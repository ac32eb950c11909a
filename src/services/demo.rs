//! Demo data: a deterministic, realistic small-business CRM for the first look, for tests and
//! for benchmarks (up to a million contacts).
//!
//! Everything is written through [`Store::apply`], one transaction per batch of about
//! [`BATCH_CONTACTS`] contacts with their companies, deals, activities and tasks. Links never
//! cross a batch: every record of a batch refers to the others by placeholder ids.
//!
//! Proportions (per contact, on average): 0.2 companies, 0.33 deals, 3 activities, 0.5 tasks.
//! The same seed and the same count give byte-identical databases.

use crate::domain::*;
use crate::store::{Store, StoreError};
use std::collections::BTreeMap;

/// What [`generate`] created.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct DemoSummary {
    /// Users created by this run (existing ones are left alone and not counted).
    pub users: usize,
    pub companies: usize,
    pub contacts: usize,
    pub deals: usize,
    pub activities: usize,
    pub tasks: usize,
}

/// Contacts per `apply` call (with everything around them: about 5 records per contact).
pub const BATCH_CONTACTS: usize = 2_000;

/// The demo team besides the author: login, display name, role.
pub const DEMO_USERS: [(&str, &str, Role); 4] = [
    ("marta", "Marta Nowak", Role::Manager),
    ("kenji", "Kenji Sato", Role::Rep),
    ("leila", "Leila Haddad", Role::Rep),
    ("olek", "Olek Shevchenko", Role::Rep),
];

/// Fills `store` with `contacts` contacts and everything around them, deterministically from `seed`.
/// `now` anchors all dates (activities in the past months, tasks around now, some overdue).
/// `progress(done_contacts, total_contacts)` is called after each batch.
pub fn generate(
    store: &Store,
    author: &str,
    now: Timestamp,
    contacts: usize,
    seed: u64,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<DemoSummary, StoreError> {
    generate_in_batches(store, author, now, contacts, seed, BATCH_CONTACTS, progress)
}

fn generate_in_batches(
    store: &Store,
    author: &str,
    now: Timestamp,
    contacts: usize,
    seed: u64,
    batch: usize,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<DemoSummary, StoreError> {
    let batch = batch.max(1);
    let mut g = Gen::new(store.pipeline(), now, seed);
    let mut users = Vec::new();
    if store.get(&Ref::User(author.to_string()))?.is_none() {
        users.push(User {
            login: author.to_string(),
            name: display_name(author),
            role: Role::Admin,
            ..User::default()
        });
    }
    g.owners.push(author.to_string());
    for (login, name, role) in DEMO_USERS {
        if login == author {
            continue;
        }
        g.owners.push(login.to_string());
        if store.get(&Ref::User(login.to_string()))?.is_none() {
            users.push(User { login: login.to_string(), name: name.to_string(), role, ..User::default() });
        }
    }
    // The author owns a little less than each rep; the manager keeps a few key accounts.
    g.owner_weights = g
        .owners
        .iter()
        .map(|o| match o.as_str() {
            "marta" => 14,
            "kenji" | "leila" | "olek" => 25,
            _ => 11,
        })
        .collect();
    g.summary.users = users.len();
    g.out.extend(users.into_iter().map(|u| Change::Create(Record::User(u))));

    let mut done = 0;
    while done < contacts || !g.out.is_empty() {
        let end = contacts.min(done + batch);
        g.batch(end - done);
        store.apply(author, now, &g.out)?;
        g.out.clear();
        done = end;
        progress(done, contacts);
    }
    Ok(g.summary)
}

/// "anna" → "Anna".
fn display_name(login: &str) -> String {
    let mut chars = login.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// Random numbers: SplitMix64, small, fast and the same everywhere.

/// SplitMix64 (also the benchmarks' generator).
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    pub(crate) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.index(items.len())]
    }

    /// Uniform in `lo..=hi`.
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo) as u64 + 1) as i64
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// An index drawn with the given weights.
    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut x = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if x < u64::from(w) {
                return i;
            }
            x -= u64::from(w);
        }
        weights.len().saturating_sub(1)
    }

    /// Appends `pattern` with `#` replaced by a random digit and `@` by a random capital letter.
    fn fill(&mut self, pattern: &str, out: &mut String) {
        for c in pattern.chars() {
            match c {
                '#' => out.push(char::from(b'0' + self.below(10) as u8)),
                '@' => out.push(char::from(b'A' + self.below(26) as u8)),
                other => out.push(other),
            }
        }
    }

    fn filled(&mut self, pattern: &str) -> String {
        let mut s = String::with_capacity(pattern.len() + 4);
        self.fill(pattern, &mut s);
        s
    }
}

// ---------------------------------------------------------------------------------------------
// Calendar arithmetic on day numbers (days since 0001-01-01, as `Day::number`), no chrono per record.

const DAY_MS: i64 = 86_400_000;
const MINUTE_MS: i64 = 60_000;
/// `Day::number` of 1970-01-01.
const UNIX_EPOCH_DAY: i64 = 719_163;

fn day_start_ms(day: i64) -> i64 {
    (day - UNIX_EPOCH_DAY) * DAY_MS
}

/// Monday = 0 … Sunday = 6.
fn weekday(day: i64) -> i64 {
    (day - 1).rem_euclid(7)
}

/// The day itself, or the Friday before when it falls on a weekend.
fn workday(day: i64) -> i64 {
    match weekday(day) {
        5 => day - 1,
        6 => day - 2,
        _ => day,
    }
}

fn to_day(day: i64) -> Option<Day> {
    i32::try_from(day).ok().and_then(Day::from_number)
}

// ---------------------------------------------------------------------------------------------
// Word lists.

/// Where people and companies come from: names, places, phone formats, company forms.
struct Culture {
    country: &'static str,
    tld: &'static str,
    weight: u32,
    /// Family name first (Vietnamese).
    family_first: bool,
    /// Two family names, sometimes (Spanish).
    double_surname: bool,
    /// Given name, ascii form, female.
    first: &'static [(&'static str, &'static str, bool)],
    /// Family name and its ascii form.
    last: &'static [(&'static str, &'static str)],
    /// Female forms, index for index with `last` (empty: the same).
    last_f: &'static [(&'static str, &'static str)],
    /// City, postcode pattern, region.
    cities: &'static [(&'static str, &'static str, &'static str)],
    streets: &'static [&'static str],
    street_fmt: StreetFmt,
    work_phones: &'static [&'static str],
    mobile_phones: &'static [&'static str],
    mail_domains: &'static [&'static str],
    company_roots: &'static [(&'static str, &'static str)],
    /// Sector word, ascii form, industry.
    sectors: &'static [(&'static str, &'static str, &'static str)],
    /// Between the root and the sector word.
    joiner: &'static str,
    /// Legal forms, `{}` standing for the name.
    forms: &'static [&'static str],
    /// Custom field name and pattern of the tax number.
    tax: (&'static str, &'static str),
}

#[derive(Clone, Copy)]
enum StreetFmt {
    /// "Hauptstraße 12"
    NameNumber,
    /// "12 High Street"
    NumberName,
    /// "Calle Mayor, 12"
    NameCommaNumber,
}

const CULTURES: &[Culture] = &[
    Culture {
        country: "Germany",
        tld: "de",
        weight: 14,
        family_first: false,
        double_surname: false,
        first: &[
            ("Anna", "anna", true),
            ("Lukas", "lukas", false),
            ("Jürgen", "juergen", false),
            ("Sabine", "sabine", true),
            ("Max", "max", false),
            ("Katrin", "katrin", true),
            ("Jörg", "joerg", false),
            ("Lena", "lena", true),
            ("Felix", "felix", false),
            ("Sophie", "sophie", true),
            ("Tobias", "tobias", false),
            ("Birgit", "birgit", true),
            ("Matthias", "matthias", false),
            ("Hannah", "hannah", true),
            ("Uwe", "uwe", false),
            ("Jana", "jana", true),
        ],
        last: &[
            ("Müller", "mueller"),
            ("Schmidt", "schmidt"),
            ("Schneider", "schneider"),
            ("Fischer", "fischer"),
            ("Weber", "weber"),
            ("Meyer", "meyer"),
            ("Wagner", "wagner"),
            ("Becker", "becker"),
            ("Schäfer", "schaefer"),
            ("Hoffmann", "hoffmann"),
            ("Koch", "koch"),
            ("Richter", "richter"),
            ("Groß", "gross"),
            ("Köhler", "koehler"),
            ("Braun", "braun"),
            ("Zimmermann", "zimmermann"),
        ],
        last_f: &[],
        cities: &[
            ("Berlin", "10###", ""),
            ("Hamburg", "2####", ""),
            ("München", "80###", ""),
            ("Köln", "50###", ""),
            ("Frankfurt am Main", "60###", ""),
            ("Stuttgart", "70###", ""),
            ("Düsseldorf", "40###", ""),
            ("Leipzig", "04###", ""),
            ("Hannover", "30###", ""),
            ("Nürnberg", "90###", ""),
        ],
        streets: &[
            "Hauptstraße",
            "Bahnhofstraße",
            "Gartenweg",
            "Schillerstraße",
            "Lindenallee",
            "Friedrichstraße",
            "Am Markt",
            "Industriestraße",
        ],
        street_fmt: StreetFmt::NameNumber,
        work_phones: &["+49 30 #######", "(030) ###-####", "0221 ######", "+49 (0)89 ########", "+49 40 ### ###-##"],
        mobile_phones: &["+49 171 #######", "0151 ########", "+49 160 ### ####"],
        mail_domains: &["gmx.de", "web.de", "gmail.com", "t-online.de"],
        company_roots: &[
            ("Nordlicht", "nordlicht"),
            ("Sonnenberg", "sonnenberg"),
            ("Alpen", "alpen"),
            ("Rheinland", "rheinland"),
            ("Hansa", "hansa"),
            ("Eichenhof", "eichenhof"),
            ("Weißdorn", "weissdorn"),
            ("Falkenstein", "falkenstein"),
            ("Brückner", "brueckner"),
            ("Elbe", "elbe"),
        ],
        sectors: &[
            ("Logistik", "logistik", "Logistics"),
            ("Bau", "bau", "Construction"),
            ("Technik", "technik", "Engineering"),
            ("Handel", "handel", "Wholesale"),
            ("Medien", "medien", "Media"),
            ("Möbel", "moebel", "Retail"),
            ("Druck", "druck", "Printing"),
            ("Energie", "energie", "Energy"),
            ("Maschinenbau", "maschinenbau", "Manufacturing"),
        ],
        joiner: " ",
        forms: &["{} GmbH", "{} GmbH", "{} AG", "{} GmbH & Co. KG", "{} e.K."],
        tax: ("vat_id", "DE#########"),
    },
    Culture {
        country: "France",
        tld: "fr",
        weight: 9,
        family_first: false,
        double_surname: false,
        first: &[
            ("Élodie", "elodie", true),
            ("Camille", "camille", true),
            ("Jean-Pierre", "jean-pierre", false),
            ("Hélène", "helene", true),
            ("François", "francois", false),
            ("Chloé", "chloe", true),
            ("Mathieu", "mathieu", false),
            ("Inès", "ines", true),
            ("Léa", "lea", true),
            ("Julien", "julien", false),
            ("Margaux", "margaux", true),
            ("Thomas", "thomas", false),
            ("Amélie", "amelie", true),
            ("Sébastien", "sebastien", false),
            ("Nicolas", "nicolas", false),
            ("Céline", "celine", true),
        ],
        last: &[
            ("Dubois", "dubois"),
            ("Lefèvre", "lefevre"),
            ("Martin", "martin"),
            ("Bernard", "bernard"),
            ("Moreau", "moreau"),
            ("Laurent", "laurent"),
            ("Girard", "girard"),
            ("Rousseau", "rousseau"),
            ("Fontaine", "fontaine"),
            ("Lambert", "lambert"),
            ("Mercier", "mercier"),
            ("Bonnet", "bonnet"),
            ("Faure", "faure"),
            ("Chevalier", "chevalier"),
            ("Gauthier", "gauthier"),
            ("Perrin", "perrin"),
        ],
        last_f: &[],
        cities: &[
            ("Paris", "750##", ""),
            ("Lyon", "6900#", ""),
            ("Marseille", "130##", ""),
            ("Toulouse", "310##", ""),
            ("Bordeaux", "330##", ""),
            ("Lille", "590##", ""),
            ("Nantes", "440##", ""),
            ("Strasbourg", "670##", ""),
        ],
        streets: &[
            "rue de la Paix",
            "avenue Victor Hugo",
            "boulevard Haussmann",
            "rue du Commerce",
            "place Bellecour",
            "rue Nationale",
            "quai des Chartrons",
        ],
        street_fmt: StreetFmt::NumberName,
        work_phones: &["01 ## ## ## ##", "+33 1 ## ## ## ##", "04.##.##.##.##", "+33 5 ## ## ## ##"],
        mobile_phones: &["+33 6 ## ## ## ##", "06 ## ## ## ##", "+33 7 ## ## ## ##"],
        mail_domains: &["orange.fr", "free.fr", "gmail.com", "laposte.net"],
        company_roots: &[
            ("Lumière", "lumiere"),
            ("Horizon", "horizon"),
            ("Belle Époque", "belle-epoque"),
            ("Azur", "azur"),
            ("Mistral", "mistral"),
            ("Provence", "provence"),
            ("Étoile", "etoile"),
            ("Val de Loire", "val-de-loire"),
        ],
        sectors: &[
            ("Conseil", "conseil", "Consulting"),
            ("Distribution", "distribution", "Wholesale"),
            ("Transports", "transports", "Logistics"),
            ("Immobilier", "immobilier", "Real Estate"),
            ("Informatique", "informatique", "Software"),
            ("Bâtiment", "batiment", "Construction"),
            ("Traiteur", "traiteur", "Food & Beverage"),
        ],
        joiner: " ",
        forms: &["{} SARL", "{} SAS", "{} S.A.", "Groupe {}"],
        tax: ("vat_id", "FR## #########"),
    },
    Culture {
        country: "Poland",
        tld: "pl",
        weight: 6,
        family_first: false,
        double_surname: false,
        first: &[
            ("Łukasz", "lukasz", false),
            ("Agnieszka", "agnieszka", true),
            ("Piotr", "piotr", false),
            ("Małgorzata", "malgorzata", true),
            ("Krzysztof", "krzysztof", false),
            ("Katarzyna", "katarzyna", true),
            ("Tomasz", "tomasz", false),
            ("Zofia", "zofia", true),
            ("Paweł", "pawel", false),
            ("Joanna", "joanna", true),
            ("Michał", "michal", false),
            ("Ewa", "ewa", true),
        ],
        last: &[
            ("Kowalski", "kowalski"),
            ("Nowak", "nowak"),
            ("Wiśniewski", "wisniewski"),
            ("Wójcik", "wojcik"),
            ("Kamiński", "kaminski"),
            ("Lewandowski", "lewandowski"),
            ("Zieliński", "zielinski"),
            ("Szymański", "szymanski"),
            ("Dąbrowski", "dabrowski"),
            ("Woźniak", "wozniak"),
            ("Mazur", "mazur"),
            ("Krawczyk", "krawczyk"),
        ],
        last_f: &[
            ("Kowalska", "kowalska"),
            ("Nowak", "nowak"),
            ("Wiśniewska", "wisniewska"),
            ("Wójcik", "wojcik"),
            ("Kamińska", "kaminska"),
            ("Lewandowska", "lewandowska"),
            ("Zielińska", "zielinska"),
            ("Szymańska", "szymanska"),
            ("Dąbrowska", "dabrowska"),
            ("Woźniak", "wozniak"),
            ("Mazur", "mazur"),
            ("Krawczyk", "krawczyk"),
        ],
        cities: &[
            ("Warszawa", "0#-###", ""),
            ("Kraków", "3#-###", ""),
            ("Gdańsk", "80-###", ""),
            ("Wrocław", "5#-###", ""),
            ("Poznań", "6#-###", ""),
            ("Łódź", "9#-###", ""),
        ],
        streets: &["ul. Marszałkowska", "ul. Długa", "ul. Piotrkowska", "ul. Floriańska", "al. Jerozolimskie"],
        street_fmt: StreetFmt::NameNumber,
        work_phones: &["+48 22 ### ## ##", "(22) ### ## ##", "+48 12 ### ## ##"],
        mobile_phones: &["+48 5## ### ###", "+48 6## ### ###", "+48 7## ### ###"],
        mail_domains: &["wp.pl", "onet.pl", "gmail.com", "interia.pl"],
        company_roots: &[
            ("Wisła", "wisla"),
            ("Bursztyn", "bursztyn"),
            ("Mazowsze", "mazowsze"),
            ("Orzeł", "orzel"),
            ("Polmex", "polmex"),
            ("Tatry", "tatry"),
            ("Bałtyk", "baltyk"),
        ],
        sectors: &[
            ("Trans", "trans", "Logistics"),
            ("Bud", "bud", "Construction"),
            ("Tech", "tech", "Software"),
            ("Handel", "handel", "Wholesale"),
            ("Meble", "meble", "Manufacturing"),
        ],
        joiner: "-",
        forms: &["{} Sp. z o.o.", "{} Sp. z o.o.", "{} S.A.", "P.H.U. {}"],
        tax: ("vat_id", "PL##########"),
    },
    Culture {
        country: "Sweden",
        tld: "se",
        weight: 3,
        family_first: false,
        double_surname: false,
        first: &[
            ("Lars", "lars", false),
            ("Sofia", "sofia", true),
            ("Björn", "bjorn", false),
            ("Åsa", "asa", true),
            ("Erik", "erik", false),
            ("Ingrid", "ingrid", true),
            ("Oskar", "oskar", false),
            ("Maja", "maja", true),
            ("Anders", "anders", false),
            ("Linnéa", "linnea", true),
        ],
        last: &[
            ("Andersson", "andersson"),
            ("Johansson", "johansson"),
            ("Karlsson", "karlsson"),
            ("Nilsson", "nilsson"),
            ("Eriksson", "eriksson"),
            ("Lindqvist", "lindqvist"),
            ("Bergström", "bergstrom"),
            ("Sjöberg", "sjoberg"),
            ("Lindgren", "lindgren"),
            ("Åberg", "aberg"),
        ],
        last_f: &[],
        cities: &[
            ("Stockholm", "1## ##", ""),
            ("Göteborg", "4## ##", ""),
            ("Malmö", "2## ##", ""),
            ("Uppsala", "75# ##", ""),
        ],
        streets: &["Drottninggatan", "Storgatan", "Kungsgatan", "Sveavägen"],
        street_fmt: StreetFmt::NameNumber,
        work_phones: &["+46 8 ### ### ##", "08-### ## ##", "+46 31 ### ## ##"],
        mobile_phones: &["+46 70 ### ## ##", "073-### ## ##"],
        mail_domains: &["telia.com", "gmail.com", "hotmail.se"],
        company_roots: &[
            ("Nordstjärna", "nordstjarna"),
            ("Fjäll", "fjall"),
            ("Skärgård", "skargard"),
            ("Norrsken", "norrsken"),
            ("Vinter", "vinter"),
        ],
        sectors: &[
            ("Bygg", "bygg", "Construction"),
            ("Data", "data", "Software"),
            ("Logistik", "logistik", "Logistics"),
            ("Design", "design", "Design"),
            ("Konsult", "konsult", "Consulting"),
        ],
        joiner: " ",
        forms: &["{} AB", "{} AB", "{} Group AB"],
        tax: ("vat_id", "SE############"),
    },
    Culture {
        country: "Denmark",
        tld: "dk",
        weight: 3,
        family_first: false,
        double_surname: false,
        first: &[
            ("Søren", "soeren", false),
            ("Mette", "mette", true),
            ("Rasmus", "rasmus", false),
            ("Sofie", "sofie", true),
            ("Mads", "mads", false),
            ("Freja", "freja", true),
            ("Jesper", "jesper", false),
            ("Ida", "ida", true),
            ("Niels", "niels", false),
            ("Karen", "karen", true),
        ],
        last: &[
            ("Jensen", "jensen"),
            ("Nielsen", "nielsen"),
            ("Hansen", "hansen"),
            ("Pedersen", "pedersen"),
            ("Andersen", "andersen"),
            ("Christensen", "christensen"),
            ("Sørensen", "soerensen"),
            ("Møller", "moeller"),
            ("Kjærgaard", "kjaergaard"),
            ("Østergaard", "oestergaard"),
        ],
        last_f: &[],
        cities: &[("København", "1###", ""), ("Aarhus", "8000", ""), ("Odense", "5000", ""), ("Aalborg", "9000", "")],
        streets: &["Strøget", "Nørregade", "Vestergade", "Østerbrogade"],
        street_fmt: StreetFmt::NameNumber,
        work_phones: &["+45 ## ## ## ##", "## ## ## ##"],
        mobile_phones: &["+45 2# ## ## ##", "+45 3# ## ## ##"],
        mail_domains: &["gmail.com", "mail.dk", "outlook.dk"],
        company_roots: &[
            ("Havblik", "havblik"),
            ("Kløver", "kloever"),
            ("Nordhavn", "nordhavn"),
            ("Fyrtårn", "fyrtaarn"),
            ("Bølge", "boelge"),
        ],
        sectors: &[
            ("Byg", "byg", "Construction"),
            ("Design", "design", "Design"),
            ("Data", "data", "Software"),
            ("Transport", "transport", "Logistics"),
        ],
        joiner: " ",
        forms: &["{} ApS", "{} A/S"],
        tax: ("vat_id", "DK########"),
    },
    Culture {
        country: "Spain",
        tld: "es",
        weight: 7,
        family_first: false,
        double_surname: true,
        first: &[
            ("José", "jose", false),
            ("María", "maria", true),
            ("Javier", "javier", false),
            ("Lucía", "lucia", true),
            ("Álvaro", "alvaro", false),
            ("Carmen", "carmen", true),
            ("Sergio", "sergio", false),
            ("Núria", "nuria", true),
            ("Pablo", "pablo", false),
            ("Elena", "elena", true),
            ("Andrés", "andres", false),
            ("Begoña", "begona", true),
        ],
        last: &[
            ("García", "garcia"),
            ("Fernández", "fernandez"),
            ("López", "lopez"),
            ("Martínez", "martinez"),
            ("Sánchez", "sanchez"),
            ("Pérez", "perez"),
            ("Gómez", "gomez"),
            ("Ruiz", "ruiz"),
            ("Díaz", "diaz"),
            ("Muñoz", "munoz"),
            ("Jiménez", "jimenez"),
            ("Ibáñez", "ibanez"),
        ],
        last_f: &[],
        cities: &[
            ("Madrid", "280##", ""),
            ("Barcelona", "080##", ""),
            ("Valencia", "460##", ""),
            ("Sevilla", "410##", ""),
            ("Bilbao", "480##", ""),
            ("Málaga", "290##", ""),
        ],
        streets: &["Calle Mayor", "Gran Vía", "Paseo de Gracia", "Calle de Alcalá", "Avenida de la Constitución"],
        street_fmt: StreetFmt::NameCommaNumber,
        work_phones: &["+34 91# ### ###", "93 ### ## ##", "+34 96# ## ## ##"],
        mobile_phones: &["+34 6## ### ###", "6## ## ## ##"],
        mail_domains: &["gmail.com", "hotmail.es", "yahoo.es", "telefonica.net"],
        company_roots: &[
            ("Ibérica", "iberica"),
            ("Sol y Mar", "sol-y-mar"),
            ("Mediterránea", "mediterranea"),
            ("Castilla", "castilla"),
            ("Olivo", "olivo"),
            ("Alhambra", "alhambra"),
        ],
        sectors: &[
            ("Distribuciones", "distribuciones", "Wholesale"),
            ("Construcciones", "construcciones", "Construction"),
            ("Logística", "logistica", "Logistics"),
            ("Alimentación", "alimentacion", "Food & Beverage"),
            ("Consultores", "consultores", "Consulting"),
        ],
        joiner: " ",
        forms: &["{} S.L.", "{} S.L.", "{} S.A."],
        tax: ("vat_id", "ESB########"),
    },
    Culture {
        country: "Turkey",
        tld: "com.tr",
        weight: 5,
        family_first: false,
        double_surname: false,
        first: &[
            ("Mehmet", "mehmet", false),
            ("Ayşe", "ayse", true),
            ("Mustafa", "mustafa", false),
            ("Fatma", "fatma", true),
            ("Emre", "emre", false),
            ("Zeynep", "zeynep", true),
            ("Burak", "burak", false),
            ("Elif", "elif", true),
            ("Can", "can", false),
            ("Özge", "ozge", true),
            ("Hakan", "hakan", false),
            ("Şule", "sule", true),
        ],
        last: &[
            ("Yılmaz", "yilmaz"),
            ("Kaya", "kaya"),
            ("Demir", "demir"),
            ("Şahin", "sahin"),
            ("Çelik", "celik"),
            ("Yıldız", "yildiz"),
            ("Öztürk", "ozturk"),
            ("Aydın", "aydin"),
            ("Özdemir", "ozdemir"),
            ("Arslan", "arslan"),
            ("Doğan", "dogan"),
            ("Koç", "koc"),
        ],
        last_f: &[],
        cities: &[
            ("İstanbul", "34###", ""),
            ("Ankara", "06###", ""),
            ("İzmir", "35###", ""),
            ("Bursa", "16###", ""),
            ("Antalya", "07###", ""),
        ],
        streets: &["Atatürk Caddesi", "İstiklal Caddesi", "Cumhuriyet Bulvarı", "Bağdat Caddesi"],
        street_fmt: StreetFmt::NameNumber,
        work_phones: &["+90 212 ### ## ##", "0 (312) ### ## ##", "+90 232 ### ## ##"],
        mobile_phones: &["+90 5## ### ## ##", "05## ### ## ##"],
        mail_domains: &["gmail.com", "hotmail.com", "yandex.com.tr"],
        company_roots: &[
            ("Anadolu", "anadolu"),
            ("Boğaziçi", "bogazici"),
            ("Ege", "ege"),
            ("Marmara", "marmara"),
            ("Kardeşler", "kardesler"),
            ("Yıldız", "yildiz"),
        ],
        sectors: &[
            ("Tekstil", "tekstil", "Textiles"),
            ("İnşaat", "insaat", "Construction"),
            ("Gıda", "gida", "Food & Beverage"),
            ("Lojistik", "lojistik", "Logistics"),
            ("Otomotiv", "otomotiv", "Automotive"),
            ("Ticaret", "ticaret", "Wholesale"),
        ],
        joiner: " ",
        forms: &["{} A.Ş.", "{} Ltd. Şti."],
        tax: ("vat_id", "##########"),
    },
    Culture {
        country: "Vietnam",
        tld: "com.vn",
        weight: 3,
        family_first: true,
        double_surname: false,
        first: &[
            ("Minh Anh", "minhanh", true),
            ("Thu Hà", "thuha", true),
            ("Quốc Bảo", "quocbao", false),
            ("Thanh Hương", "thanhhuong", true),
            ("Đức Minh", "ducminh", false),
            ("Văn Hùng", "vanhung", false),
            ("Thị Lan", "thilan", true),
            ("Tuấn", "tuan", false),
            ("Phương", "phuong", true),
            ("Hoàng Nam", "hoangnam", false),
        ],
        last: &[
            ("Nguyễn", "nguyen"),
            ("Trần", "tran"),
            ("Lê", "le"),
            ("Phạm", "pham"),
            ("Hoàng", "hoang"),
            ("Huỳnh", "huynh"),
            ("Phan", "phan"),
            ("Vũ", "vu"),
            ("Võ", "vo"),
            ("Đặng", "dang"),
        ],
        last_f: &[],
        cities: &[
            ("Hà Nội", "10####", ""),
            ("Thành phố Hồ Chí Minh", "70####", ""),
            ("Đà Nẵng", "55####", ""),
            ("Hải Phòng", "18####", ""),
        ],
        streets: &["Đường Lê Lợi", "Phố Hàng Bạc", "Đường Nguyễn Huệ", "Đường Trần Hưng Đạo"],
        street_fmt: StreetFmt::NumberName,
        work_phones: &["+84 28 #### ####", "+84 24 #### ####", "(028) #### ####"],
        mobile_phones: &["+84 9# ### ## ##", "09## ### ###"],
        mail_domains: &["gmail.com", "yahoo.com.vn"],
        company_roots: &[
            ("Sao Mai", "saomai"),
            ("Hồng Hà", "hongha"),
            ("Phương Đông", "phuongdong"),
            ("Việt Tiến", "viettien"),
            ("Mê Kông", "mekong"),
        ],
        sectors: &[
            ("Thương mại", "thuongmai", "Wholesale"),
            ("Xây dựng", "xaydung", "Construction"),
            ("Dệt may", "detmay", "Textiles"),
            ("Công nghệ", "congnghe", "Software"),
        ],
        joiner: " ",
        forms: &["Công ty TNHH {}", "Công ty CP {}"],
        tax: ("tax_code", "0#########"),
    },
    Culture {
        country: "Russia",
        tld: "ru",
        weight: 8,
        family_first: false,
        double_surname: false,
        first: &[
            ("Иван", "ivan", false),
            ("Анна", "anna", true),
            ("Дмитрий", "dmitry", false),
            ("Елена", "elena", true),
            ("Сергей", "sergey", false),
            ("Ольга", "olga", true),
            ("Алексей", "alexey", false),
            ("Мария", "maria", true),
            ("Андрей", "andrey", false),
            ("Татьяна", "tatiana", true),
            ("Михаил", "mikhail", false),
            ("Наталья", "natalia", true),
        ],
        last: &[
            ("Петров", "petrov"),
            ("Смирнов", "smirnov"),
            ("Иванов", "ivanov"),
            ("Кузнецов", "kuznetsov"),
            ("Соколов", "sokolov"),
            ("Попов", "popov"),
            ("Лебедев", "lebedev"),
            ("Козлов", "kozlov"),
            ("Новиков", "novikov"),
            ("Морозов", "morozov"),
            ("Волков", "volkov"),
            ("Фёдоров", "fedorov"),
        ],
        last_f: &[
            ("Петрова", "petrova"),
            ("Смирнова", "smirnova"),
            ("Иванова", "ivanova"),
            ("Кузнецова", "kuznetsova"),
            ("Соколова", "sokolova"),
            ("Попова", "popova"),
            ("Лебедева", "lebedeva"),
            ("Козлова", "kozlova"),
            ("Новикова", "novikova"),
            ("Морозова", "morozova"),
            ("Волкова", "volkova"),
            ("Фёдорова", "fedorova"),
        ],
        cities: &[
            ("Москва", "1#####", ""),
            ("Санкт-Петербург", "19####", ""),
            ("Новосибирск", "630###", ""),
            ("Екатеринбург", "620###", ""),
            ("Казань", "420###", ""),
        ],
        streets: &["ул. Тверская", "Невский проспект", "ул. Ленина", "ул. Арбат", "ул. Баумана"],
        street_fmt: StreetFmt::NameCommaNumber,
        work_phones: &["+7 495 ###-##-##", "+7 812 ###-##-##", "8 (343) ###-##-##"],
        mobile_phones: &["+7 9## ###-##-##", "8 (9##) ###-##-##"],
        mail_domains: &["mail.ru", "yandex.ru", "gmail.com"],
        company_roots: &[
            ("Волга", "volga"),
            ("Сибирь", "sibir"),
            ("Альфа", "alfa"),
            ("Балтика", "baltika"),
            ("Урал", "ural"),
            ("Восток", "vostok"),
            ("Гранит", "granit"),
            ("Санкт", "sankt"),
        ],
        sectors: &[
            ("Торг", "torg", "Wholesale"),
            ("Строй", "stroy", "Construction"),
            ("Снаб", "snab", "Wholesale"),
            ("Логистик", "logistik", "Logistics"),
            ("Техно", "tekhno", "Engineering"),
            ("Сервис", "servis", "Services"),
        ],
        joiner: "-",
        forms: &["ООО «{}»", "ООО «{}»", "АО «{}»"],
        tax: ("inn", "77########"),
    },
    Culture {
        country: "United Arab Emirates",
        tld: "ae",
        weight: 6,
        family_first: false,
        double_surname: false,
        first: &[
            ("محمد", "mohammed", false),
            ("فاطمة", "fatima", true),
            ("أحمد", "ahmed", false),
            ("مريم", "maryam", true),
            ("علي", "ali", false),
            ("نور", "nour", true),
            ("خالد", "khaled", false),
            ("ليلى", "layla", true),
            ("عمر", "omar", false),
            ("سارة", "sara", true),
            ("يوسف", "youssef", false),
            ("هدى", "huda", true),
        ],
        last: &[
            ("العلي", "alali"),
            ("الزهراء", "alzahraa"),
            ("الحسن", "alhassan"),
            ("المنصوري", "almansouri"),
            ("الشامي", "alshami"),
            ("حداد", "haddad"),
            ("الخطيب", "alkhatib"),
            ("النعيمي", "alnuaimi"),
            ("السيد", "elsayed"),
            ("القاسمي", "alqasimi"),
            ("عبدالله", "abdullah"),
            ("الهاشمي", "alhashimi"),
        ],
        last_f: &[],
        cities: &[("Dubai", "", ""), ("Abu Dhabi", "", ""), ("Sharjah", "", ""), ("Al Ain", "", "")],
        streets: &["Sheikh Zayed Road", "Al Wasl Road", "Khalifa Street", "Corniche Road", "Al Maktoum Street"],
        street_fmt: StreetFmt::NumberName,
        work_phones: &["+971 4 ### ####", "04 ### ####", "+971 2 ### ####"],
        mobile_phones: &["+971 50 ### ####", "+971 55 ### ####", "052 ### ####"],
        mail_domains: &["gmail.com", "hotmail.com", "outlook.com", "yahoo.com"],
        company_roots: &[
            ("Al-Noor", "alnoor"),
            ("Gulf Star", "gulfstar"),
            ("Desert Rose", "desertrose"),
            ("Al Baraka", "albaraka"),
            ("Emirates Crown", "emiratescrown"),
            ("Al Fajr", "alfajr"),
        ],
        sectors: &[
            ("Trading", "trading", "Wholesale"),
            ("Contracting", "contracting", "Construction"),
            ("Logistics", "logistics", "Logistics"),
            ("Technologies", "tech", "Software"),
            ("Foodstuff", "foodstuff", "Food & Beverage"),
        ],
        joiner: " ",
        forms: &["{} LLC", "{} General Trading LLC", "{} FZE", "{} Group"],
        tax: ("trn", "100############"),
    },
    Culture {
        country: "Greece",
        tld: "gr",
        weight: 4,
        family_first: false,
        double_surname: false,
        first: &[
            ("Γιώργος", "giorgos", false),
            ("Μαρία", "maria", true),
            ("Νίκος", "nikos", false),
            ("Ελένη", "eleni", true),
            ("Κώστας", "kostas", false),
            ("Κατερίνα", "katerina", true),
            ("Δημήτρης", "dimitris", false),
            ("Σοφία", "sofia", true),
            ("Γιάννης", "giannis", false),
            ("Αναστασία", "anastasia", true),
        ],
        last: &[
            ("Παπαδόπουλος", "papadopoulos"),
            ("Παπαδάκης", "papadakis"),
            ("Νικολάου", "nikolaou"),
            ("Γεωργίου", "georgiou"),
            ("Οικονόμου", "oikonomou"),
            ("Βλάχος", "vlachos"),
            ("Καραγιάννης", "karagiannis"),
            ("Μαυρίδης", "mavridis"),
            ("Αλεξίου", "alexiou"),
            ("Δημητρίου", "dimitriou"),
        ],
        last_f: &[
            ("Παπαδοπούλου", "papadopoulou"),
            ("Παπαδάκη", "papadaki"),
            ("Νικολάου", "nikolaou"),
            ("Γεωργίου", "georgiou"),
            ("Οικονόμου", "oikonomou"),
            ("Βλάχου", "vlachou"),
            ("Καραγιάννη", "karagianni"),
            ("Μαυρίδου", "mavridou"),
            ("Αλεξίου", "alexiou"),
            ("Δημητρίου", "dimitriou"),
        ],
        cities: &[
            ("Αθήνα", "1## ##", ""),
            ("Θεσσαλονίκη", "5## ##", ""),
            ("Πάτρα", "26# ##", ""),
            ("Ηράκλειο", "71# ##", ""),
        ],
        streets: &["Ερμού", "Σταδίου", "Πανεπιστημίου", "Τσιμισκή", "Λεωφόρος Κηφισίας"],
        street_fmt: StreetFmt::NameNumber,
        work_phones: &["+30 21# ### ####", "210 ### ####", "+30 2310 ######"],
        mobile_phones: &["+30 69# ### ####", "69# ### ####"],
        mail_domains: &["gmail.com", "yahoo.gr", "otenet.gr"],
        company_roots: &[
            ("Δέλτα", "delta"),
            ("Όλυμπος", "olympos"),
            ("Αιγαίο", "aigaio"),
            ("Ερμής", "ermis"),
            ("Ποσειδών", "poseidon"),
            ("Ακρόπολις", "akropolis"),
        ],
        sectors: &[
            ("Εμπορική", "emporiki", "Wholesale"),
            ("Τεχνική", "techniki", "Engineering"),
            ("Τρόφιμα", "trofima", "Food & Beverage"),
            ("Κατασκευές", "kataskeves", "Construction"),
        ],
        joiner: " ",
        forms: &["{} Α.Ε.", "{} Ε.Π.Ε.", "{} Ι.Κ.Ε."],
        tax: ("vat_id", "EL#########"),
    },
    Culture {
        country: "United Kingdom",
        tld: "co.uk",
        weight: 12,
        family_first: false,
        double_surname: false,
        first: &[
            ("Oliver", "oliver", false),
            ("Zoë", "zoe", true),
            ("Harry", "harry", false),
            ("Amelia", "amelia", true),
            ("George", "george", false),
            ("Charlotte", "charlotte", true),
            ("James", "james", false),
            ("Emily", "emily", true),
            ("William", "william", false),
            ("Grace", "grace", true),
            ("Jack", "jack", false),
            ("Siobhán", "siobhan", true),
            ("Rhys", "rhys", false),
            ("Sophie", "sophie", true),
        ],
        last: &[
            ("Smith", "smith"),
            ("Jones", "jones"),
            ("Taylor", "taylor"),
            ("Brown", "brown"),
            ("Williams", "williams"),
            ("Wilson", "wilson"),
            ("Davies", "davies"),
            ("Evans", "evans"),
            ("Thomas", "thomas"),
            ("Roberts", "roberts"),
            ("O'Brien", "obrien"),
            ("Clarke", "clarke"),
            ("Hughes", "hughes"),
            ("Walker", "walker"),
            ("Wright", "wright"),
            ("Robinson", "robinson"),
        ],
        last_f: &[],
        cities: &[
            ("London", "SW## #@@", ""),
            ("Manchester", "M## #@@", ""),
            ("Birmingham", "B## #@@", ""),
            ("Leeds", "LS# #@@", ""),
            ("Bristol", "BS# #@@", ""),
            ("Edinburgh", "EH# #@@", ""),
        ],
        streets: &["High Street", "Station Road", "Church Lane", "Victoria Road", "King Street", "Mill Lane"],
        street_fmt: StreetFmt::NumberName,
        work_phones: &["+44 20 #### ####", "020 #### ####", "0161 ### ####", "+44 117 ### ####"],
        mobile_phones: &["+44 7### ######", "07### ######"],
        mail_domains: &["gmail.com", "outlook.com", "btinternet.com", "yahoo.co.uk"],
        company_roots: &[
            ("Thames", "thames"),
            ("Crown", "crown"),
            ("Oakwood", "oakwood"),
            ("Brightwater", "brightwater"),
            ("Kestrel", "kestrel"),
            ("Harbour", "harbour"),
            ("Redbrick", "redbrick"),
        ],
        sectors: &[
            ("Trading", "trading", "Wholesale"),
            ("Studio", "studio", "Design"),
            ("Consulting", "consulting", "Consulting"),
            ("Logistics", "logistics", "Logistics"),
            ("Engineering", "engineering", "Engineering"),
            ("Media", "media", "Media"),
            ("Foods", "foods", "Food & Beverage"),
        ],
        joiner: " ",
        forms: &["{} Ltd", "{} Ltd", "{} plc", "{} & Co.", "{} LLP"],
        tax: ("vat_id", "GB### #### ##"),
    },
    Culture {
        country: "United States",
        tld: "com",
        weight: 12,
        family_first: false,
        double_surname: false,
        first: &[
            ("Michael", "michael", false),
            ("Jennifer", "jennifer", true),
            ("David", "david", false),
            ("Jessica", "jessica", true),
            ("Chris", "chris", false),
            ("Ashley", "ashley", true),
            ("Brian", "brian", false),
            ("Megan", "megan", true),
            ("Kevin", "kevin", false),
            ("Laura", "laura", true),
            ("Jason", "jason", false),
            ("Rachel", "rachel", true),
            ("Tyler", "tyler", false),
            ("Renée", "renee", true),
        ],
        last: &[
            ("Johnson", "johnson"),
            ("Miller", "miller"),
            ("Davis", "davis"),
            ("Anderson", "anderson"),
            ("Thompson", "thompson"),
            ("White", "white"),
            ("Harris", "harris"),
            ("Clark", "clark"),
            ("Lewis", "lewis"),
            ("Young", "young"),
            ("King", "king"),
            ("Scott", "scott"),
            ("Green", "green"),
            ("Baker", "baker"),
            ("Nelson", "nelson"),
            ("Rodríguez", "rodriguez"),
        ],
        last_f: &[],
        cities: &[
            ("New York", "100##", "NY"),
            ("Chicago", "606##", "IL"),
            ("Austin", "787##", "TX"),
            ("Seattle", "981##", "WA"),
            ("Denver", "802##", "CO"),
            ("Boston", "021##", "MA"),
            ("San Francisco", "941##", "CA"),
        ],
        streets: &["Main Street", "Oak Avenue", "Maple Drive", "Market Street", "Broadway", "5th Avenue"],
        street_fmt: StreetFmt::NumberName,
        work_phones: &["(212) 555-####", "+1 312 ### ####", "(512) ###-####", "617.###.####"],
        mobile_phones: &["+1 206-###-####", "(415) ###-####"],
        mail_domains: &["gmail.com", "yahoo.com", "outlook.com", "icloud.com"],
        company_roots: &[
            ("Summit", "summit"),
            ("Liberty", "liberty"),
            ("Pioneer", "pioneer"),
            ("Blue Ridge", "blueridge"),
            ("Evergreen", "evergreen"),
            ("Lakeshore", "lakeshore"),
            ("Ironwood", "ironwood"),
        ],
        sectors: &[
            ("Supply", "supply", "Wholesale"),
            ("Solutions", "solutions", "Software"),
            ("Labs", "labs", "Healthcare"),
            ("Logistics", "logistics", "Logistics"),
            ("Partners", "partners", "Consulting"),
            ("Systems", "systems", "Engineering"),
            ("Studio", "studio", "Design"),
        ],
        joiner: " ",
        forms: &["{} Inc.", "{} LLC", "{} Corp.", "{} Co."],
        tax: ("ein", "##-#######"),
    },
];

/// Brand names used in every country.
const INTERNATIONAL_ROOTS: &[(&str, &str)] = &[
    ("Atlas", "atlas"),
    ("Nova", "nova"),
    ("Kovač", "kovac"),
    ("Vertex", "vertex"),
    ("Orbit", "orbit"),
    ("Meridian", "meridian"),
    ("Zenith", "zenith"),
    ("Polaris", "polaris"),
    ("Aurora", "aurora"),
    ("Nexus", "nexus"),
];

const INDUSTRIES: &[&str] = &[
    "Wholesale",
    "Retail",
    "Manufacturing",
    "Logistics",
    "Software",
    "Construction",
    "Hospitality",
    "Healthcare",
    "Consulting",
    "Food & Beverage",
    "Automotive",
    "Energy",
    "Education",
    "Media",
];

const COMPANY_TAGS: &[&str] =
    &["wholesale", "retail", "vip", "distributor", "supplier", "key-account", "smb", "enterprise", "partner"];

const COMPANY_NOTES: &[&str] = &[
    "Orders mostly before the end of the quarter.",
    "Central purchasing; all orders go through the head office.",
    "Long-standing customer, pays on time.",
    "Met at the trade fair; interested in a framework agreement.",
    "Payment terms 60 days, agreed by Marta.",
];

const JOB_TITLES: &[&str] = &[
    "Purchasing Manager",
    "CEO",
    "Managing Director",
    "Office Manager",
    "Head of Operations",
    "Sales Director",
    "Procurement Lead",
    "CFO",
    "IT Administrator",
    "Marketing Manager",
    "Owner",
    "Accountant",
    "Project Manager",
    "Buyer",
    "Logistics Coordinator",
    "Assistant to the CEO",
    "Head of Facilities",
    "Store Manager",
];

const FREELANCE_TITLES: &[&str] = &["Freelance Designer", "Consultant", "Architect", "Photographer", "Translator", ""];

const CONTACT_TAGS: &[&str] =
    &["decision-maker", "newsletter", "prospect", "customer", "partner", "vip", "trade-fair", "referral", "churn-risk"];

const SOURCES: &[&str] = &["trade fair", "website", "referral", "cold call", "newsletter", "LinkedIn"];

const CONTACT_NOTES: &[&str] = &[
    "Prefers calls in the morning.",
    "Decides together with the CFO; send figures in advance.",
    "Met at the trade fair in Hannover.",
    "Speaks English and French.",
    "Not before 10:00, please.",
    "Assistant screens calls; email first.",
];

const PRODUCTS: &[&str] = &[
    "Annual supply",
    "Website redesign",
    "Maintenance contract",
    "Pilot project",
    "License renewal",
    "Fleet upgrade",
    "Consulting package",
    "Office equipment",
    "Training workshop",
    "Cloud migration",
    "Catering contract",
    "Spare parts",
    "Framework agreement",
    "Support extension",
];

const WON_REASONS: &[&str] =
    &["best price", "existing relationship", "fast delivery", "product fit", "referral", "good demo"];
const LOST_REASONS: &[&str] =
    &["price too high", "went with a competitor", "no budget", "project cancelled", "no decision", "bad timing"];

const DEAL_NOTES: &[&str] = &[
    "Budget confirmed by the CFO.",
    "Competitor offer on the table, about 10% cheaper.",
    "Needs approval from the board.",
    "Wants delivery before the end of the quarter.",
];

const TOPICS: &[&str] = &[
    "pricing",
    "the proposal",
    "delivery dates",
    "the contract renewal",
    "volume discounts",
    "the pilot",
    "payment terms",
    "the new catalogue",
    "a support issue",
    "next year's budget",
    "the invoice",
    "an upgrade",
];

const DOCUMENTS: &[&str] =
    &["the quote", "the price list", "the contract draft", "the product brochure", "meeting notes", "an invoice copy"];

const MEETINGS: &[&str] = &["Product demo", "On-site visit", "Quarterly review", "Kick-off meeting", "Lunch meeting"];

const NOTES: &[&str] = &[
    "Budget approved for next quarter",
    "New purchasing manager from next month",
    "Prefers email over calls",
    "Asked to be called back after the holidays",
    "Happy with the last delivery",
    "Complained about the late invoice",
];

const BODIES: &[&str] = &[
    "Went through the open points; they will come back with numbers by Friday.",
    "Interested, but the decision is with the head office.",
    "Asked for references from similar customers.",
    "Agreed on next steps: revised offer and a call next week.",
    "Mentioned a competitor offer, about 10% cheaper.",
    "Very positive; wants to start with a small order.",
    "Sent the documents as discussed.",
];

const CALL_OUTCOMES: [&str; 3] = ["reached", "voicemail", "no answer"];
const CALL_OUTCOME_WEIGHTS: [u32; 3] = [55, 25, 20];

const TASK_TITLES: &[&str] = &[
    "Send quote",
    "Follow up on proposal",
    "Call back",
    "Prepare contract",
    "Schedule demo",
    "Send price list",
    "Check payment status",
    "Book meeting",
    "Update contact details",
    "Send thank-you note",
    "Ask for a referral",
    "Confirm delivery date",
];

const DEAL_TASK_TITLES: &[&str] =
    &["Follow up on proposal", "Send quote", "Prepare contract", "Negotiate discount", "Send revised offer"];

const TASK_NOTES: &[&str] =
    &["See the last call notes.", "Needs the updated price list.", "Ask about the budget for next year."];

// ---------------------------------------------------------------------------------------------
// The generator.

/// A company of the current batch, for its contacts and deals.
struct CompanyCtx {
    id: CompanyId,
    culture: usize,
    city: usize,
    name: String,
    domain: String,
    owner: usize,
}

struct Gen {
    rng: Rng,
    now: i64,
    today: i64,
    owners: Vec<String>,
    owner_weights: Vec<u32>,
    stage_keys: Vec<String>,
    stage_kinds: Vec<StageKind>,
    stage_probability: Vec<u8>,
    stage_weights: Vec<u32>,
    /// Positions of the open stages, in pipeline order.
    open: Vec<usize>,
    culture_weights: Vec<u32>,
    gbp: Currency,
    deals_made: usize,
    tasks_made: usize,
    contacts_made: usize,
    summary: DemoSummary,
    out: Vec<Change>,
    path: Vec<usize>,
    next_company: u64,
    next_contact: u64,
    next_deal: u64,
}

impl Gen {
    fn new(pipeline: &Pipeline, now: Timestamp, seed: u64) -> Gen {
        let stages = &pipeline.stages;
        let open: Vec<usize> = (0..stages.len()).filter(|&i| stages[i].kind == StageKind::Open).collect();
        let won = stages.iter().filter(|s| s.kind == StageKind::Won).count().max(1) as u32;
        let lost = stages.iter().filter(|s| s.kind == StageKind::Lost).count().max(1) as u32;
        // Open stages thin out along the pipeline; about a fifth of deals are won, an eighth lost.
        let m = open.len() as u32;
        let stage_weights = stages
            .iter()
            .enumerate()
            .map(|(i, s)| match s.kind {
                StageKind::Open => {
                    let p = open.iter().position(|&o| o == i).unwrap_or(0) as u32;
                    (2 * (m - p) + 2) * 60
                }
                StageKind::Won => 8 * 60 / won,
                StageKind::Lost => 5 * 60 / lost,
            })
            .collect();
        Gen {
            rng: Rng::new(seed),
            now: now.0,
            today: now.0.div_euclid(DAY_MS) + UNIX_EPOCH_DAY,
            owners: Vec::new(),
            owner_weights: Vec::new(),
            stage_keys: stages.iter().map(|s| s.key.clone()).collect(),
            stage_kinds: stages.iter().map(|s| s.kind).collect(),
            stage_probability: stages.iter().map(|s| s.probability).collect(),
            stage_weights,
            open,
            culture_weights: CULTURES.iter().map(|c| c.weight).collect(),
            gbp: Currency::parse("GBP").unwrap_or(Currency::EUR),
            deals_made: 0,
            tasks_made: 0,
            contacts_made: 0,
            summary: DemoSummary::default(),
            out: Vec::new(),
            path: Vec::new(),
            next_company: 0,
            next_contact: 0,
            next_deal: 0,
        }
    }

    fn owner(&mut self) -> usize {
        self.rng.weighted(&self.owner_weights)
    }

    fn culture(&mut self) -> usize {
        self.rng.weighted(&self.culture_weights)
    }

    /// `n` contacts in clusters around their companies, appended to `self.out`.
    fn batch(&mut self, n: usize) {
        self.next_company = 0;
        self.next_contact = 0;
        self.next_deal = 0;
        let mut left = n;
        while left > 0 {
            // About one contact in ten works on its own; the others come in groups of 1–8 per company.
            let company = if self.rng.chance(35) { None } else { Some(self.company()) };
            let size = match company {
                Some(_) => (1 + self.rng.below(8) as usize).min(left),
                None => 1,
            };
            for _ in 0..size {
                self.contact(company.as_ref());
            }
            left -= size;
        }
    }

    fn address(&mut self, culture: usize, city: usize, street_percent: u64) -> Address {
        let c = &CULTURES[culture];
        let (city_name, postcode, region) = c.cities[city];
        let street = if self.rng.chance(street_percent) {
            let name = self.rng.pick(c.streets);
            let number = 1 + self.rng.below(180);
            match c.street_fmt {
                StreetFmt::NameNumber => format!("{name} {number}"),
                StreetFmt::NumberName => format!("{number} {name}"),
                StreetFmt::NameCommaNumber => format!("{name}, {number}"),
            }
        } else {
            String::new()
        };
        Address {
            street,
            city: city_name.to_string(),
            region: region.to_string(),
            postcode: self.rng.filled(postcode),
            country: c.country.to_string(),
        }
    }

    /// Up to `max` distinct tags, sorted like `Edit::AddTag` keeps them.
    fn tags(&mut self, list: &[&str], max: usize) -> Vec<String> {
        let n = self.rng.below(max as u64 + 1) as usize;
        let mut out: Vec<String> = Vec::with_capacity(n);
        for _ in 0..n {
            let t = self.rng.pick(list);
            if !out.iter().any(|x| x == t) {
                out.push(t.to_string());
            }
        }
        out.sort();
        out
    }

    fn company(&mut self) -> CompanyCtx {
        let culture = self.culture();
        let c = &CULTURES[culture];
        let (root, root_ascii) = match self.rng.below(10) {
            0..=1 => self.rng.pick(INTERNATIONAL_ROOTS),
            2..=3 => self.rng.pick(c.last),
            _ => self.rng.pick(c.company_roots),
        };
        let sector = if self.rng.chance(70) { Some(self.rng.pick(c.sectors)) } else { None };
        let form = self.rng.pick(c.forms);
        let (before, after) = form.split_once("{}").unwrap_or(("", form));
        let mut name = String::with_capacity(64);
        name.push_str(before);
        name.push_str(root);
        let mut domain = String::with_capacity(40);
        domain.push_str(root_ascii);
        if let Some((word, ascii, _)) = sector {
            name.push_str(c.joiner);
            name.push_str(word);
            domain.push('-');
            domain.push_str(ascii);
        }
        name.push_str(after);
        domain.push('.');
        domain.push_str(c.tld);
        let industry = match sector {
            Some((_, _, industry)) if self.rng.chance(85) => industry,
            _ => self.rng.pick(INDUSTRIES),
        };
        let city = self.rng.index(c.cities.len());
        let address = self.address(culture, city, 75);
        let mut fields = BTreeMap::new();
        if self.rng.chance(45) {
            let (key, pattern) = c.tax;
            fields.insert(key.to_string(), self.rng.filled(pattern));
        }
        if self.rng.chance(20) {
            fields.insert("customer_no".to_string(), self.rng.filled("K-1####"));
        }
        let notes = if self.rng.chance(10) { self.rng.pick(COMPANY_NOTES).to_string() } else { String::new() };
        let owner = self.owner();
        let id = CompanyId::placeholder(self.next_company);
        self.next_company += 1;
        let tags = self.tags(COMPANY_TAGS, 2);
        self.out.push(Change::Create(Record::Company(Company {
            id,
            name: name.clone(),
            website: domain.clone(),
            industry: industry.to_string(),
            address,
            tags,
            fields,
            notes,
            owner: self.owners[owner].clone(),
            ..Company::default()
        })));
        self.summary.companies += 1;
        CompanyCtx { id, culture, city, name, domain, owner }
    }

    fn contact(&mut self, company: Option<&CompanyCtx>) {
        let number = self.contacts_made;
        self.contacts_made += 1;
        let culture = match company {
            Some(co) if self.rng.chance(85) => co.culture,
            _ => self.culture(),
        };
        let c = &CULTURES[culture];
        let (first, first_ascii, female) = self.rng.pick(c.first);
        let li = self.rng.index(c.last.len());
        let initial = first_ascii.get(..1).unwrap_or(first_ascii);
        let (last, last_ascii) = match c.last_f.get(li) {
            Some(&feminine) if female => feminine,
            _ => c.last[li],
        };
        let mut name = String::with_capacity(first.len() + last.len() + 24);
        if c.family_first {
            name.push_str(last);
            name.push(' ');
            name.push_str(first);
        } else {
            name.push_str(first);
            name.push(' ');
            name.push_str(last);
            if c.double_surname && self.rng.chance(40) {
                name.push(' ');
                name.push_str(self.rng.pick(c.last).0);
            }
        }

        // Emails: a work address at the company's domain, sometimes a private one.
        let mut emails = Vec::with_capacity(2);
        if let Some(co) = company {
            if self.rng.chance(93) {
                let mut v = String::with_capacity(first_ascii.len() + last_ascii.len() + co.domain.len() + 2);
                match self.rng.below(20) {
                    0..=8 => {
                        v.push_str(first_ascii);
                        v.push('.');
                        v.push_str(last_ascii);
                    }
                    9..=12 => {
                        v.push_str(initial);
                        v.push('.');
                        v.push_str(last_ascii);
                    }
                    13..=14 => v.push_str(first_ascii),
                    15..=16 => {
                        v.push_str(initial);
                        v.push_str(last_ascii);
                    }
                    17 => v.push_str(last_ascii),
                    _ => v.push_str(self.rng.pick(&["info", "office", "sales", "contact"])),
                }
                v.push('@');
                v.push_str(&co.domain);
                emails.push(Labeled { label: "work".into(), value: v });
            }
        }
        if company.is_none() || self.rng.chance(25) {
            let domain = self.rng.pick(c.mail_domains);
            let v = match self.rng.below(10) {
                0..=4 => format!("{first_ascii}.{last_ascii}@{domain}"),
                5..=6 => format!("{first_ascii}{last_ascii}{}@{domain}", 50 + self.rng.below(50)),
                7..=8 => format!("{initial}.{last_ascii}@{domain}"),
                _ => format!("contact{number}@{domain}"),
            };
            if company.is_some() || self.rng.chance(95) {
                emails.push(Labeled { label: "home".into(), value: v });
            }
        }

        // Phones: mostly a work number, often a mobile.
        let mut phones = Vec::with_capacity(2);
        if self.rng.chance(if company.is_some() { 80 } else { 35 }) {
            let pattern = self.rng.pick(c.work_phones);
            phones.push(Labeled { label: "work".into(), value: self.rng.filled(pattern) });
        }
        if self.rng.chance(55) || phones.is_empty() && self.rng.chance(70) {
            let pattern = self.rng.pick(c.mobile_phones);
            phones.push(Labeled { label: "mobile".into(), value: self.rng.filled(pattern) });
        }

        let address = match company {
            Some(co) if co.culture == culture && self.rng.chance(70) => self.address(culture, co.city, 0),
            _ => {
                let city = self.rng.index(c.cities.len());
                self.address(culture, city, if company.is_some() { 0 } else { 50 })
            }
        };
        let title = match company {
            Some(_) if self.rng.chance(92) => self.rng.pick(JOB_TITLES),
            Some(_) => "",
            None => self.rng.pick(FREELANCE_TITLES),
        };
        let tags = self.tags(CONTACT_TAGS, 2);
        let mut fields = BTreeMap::new();
        if self.rng.chance(10) {
            let y = 1955 + self.rng.below(46);
            let m = 1 + self.rng.below(12);
            let d = 1 + self.rng.below(28);
            fields.insert("birthday".to_string(), format!("{y}-{m:02}-{d:02}"));
        }
        if self.rng.chance(12) {
            fields.insert("source".to_string(), self.rng.pick(SOURCES).to_string());
        }
        if self.rng.chance(6) {
            fields.insert("linkedin".to_string(), format!("linkedin.com/in/{first_ascii}-{last_ascii}"));
        }
        let notes = if self.rng.chance(8) { self.rng.pick(CONTACT_NOTES).to_string() } else { String::new() };
        let cadence_days = match self.rng.below(100) {
            0..=14 => Some(14),
            15..=24 => Some(30),
            _ => None,
        };
        let owner = match company {
            Some(co) if self.rng.chance(75) => co.owner,
            _ => self.owner(),
        };
        let id = ContactId::placeholder(self.next_contact);
        self.next_contact += 1;
        self.out.push(Change::Create(Record::Contact(Contact {
            id,
            name,
            title: title.to_string(),
            company: company.map(|co| co.id),
            emails,
            phones,
            address,
            tags,
            fields,
            notes,
            owner: self.owners[owner].clone(),
            cadence_days,
            ..Contact::default()
        })));
        self.summary.contacts += 1;

        let deal = if self.rng.chance(33) { Some(self.deal(id, company, first, last, owner)) } else { None };
        let n = self.rng.weighted(&[8, 12, 18, 22, 18, 12, 10]);
        for _ in 0..n {
            self.activity(id, company.map(|co| co.id), deal, owner);
        }
        let tasks = match self.rng.below(10) {
            0..=5 => 0,
            6..=8 => 1,
            _ => 2,
        };
        for _ in 0..tasks {
            self.task(id, deal, owner);
        }
    }

    fn deal(
        &mut self,
        contact: ContactId,
        company: Option<&CompanyCtx>,
        first: &str,
        last: &str,
        owner: usize,
    ) -> DealId {
        let n = self.deals_made;
        self.deals_made += 1;
        // The first deals visit every stage once, so that even a tiny demo fills the board.
        let stage = if n < self.stage_keys.len() { n } else { self.rng.weighted(&self.stage_weights) };
        let kind = self.stage_kinds[stage];

        let mut path = std::mem::take(&mut self.path);
        path.clear();
        let m = self.open.len();
        let last_open = match kind {
            StageKind::Open => self.open.iter().position(|&o| o == stage),
            StageKind::Won => m.checked_sub(1),
            StageKind::Lost => (m > 0).then(|| self.rng.index(m)),
        };
        if let Some(q) = last_open {
            // A quarter of the deals skip the first stage (they came in qualified).
            let from = if q >= 1 && self.rng.chance(25) { 1 } else { 0 };
            path.extend_from_slice(&self.open[from..=q]);
        }
        if kind != StageKind::Open || path.is_empty() {
            path.push(stage);
        }

        // When the deal entered its stages: open deals moved recently, closed ones up to months ago.
        let closed = kind != StageKind::Open;
        let back_days = if closed { self.rng.between(1, 150) } else { self.rng.between(0, 40) };
        let end = self.past_work_time(back_days);
        let steps = path.len() as i64;
        let span = self.rng.between((3 * steps).max(5), 120) * DAY_MS;
        let start = end - span;
        let slot = if steps > 1 { span / (steps - 1) } else { span };
        let history: Vec<StageEntry> = path
            .iter()
            .enumerate()
            .map(|(i, &s)| {
                let i = i as i64;
                let at = if steps == 1 || i == steps - 1 {
                    end
                } else if i == 0 {
                    start
                } else {
                    (start + slot * i + self.rng.between(-slot / 4, slot / 4)) / MINUTE_MS * MINUTE_MS
                };
                StageEntry { stage: self.stage_keys[s].clone(), at: Timestamp(at) }
            })
            .collect();
        self.path = path;

        let close_day =
            if closed { end.div_euclid(DAY_MS) + UNIX_EPOCH_DAY } else { self.today + self.rng.between(-10, 90) };
        let reason = match kind {
            StageKind::Won => self.rng.pick(WON_REASONS),
            StageKind::Lost => self.rng.pick(LOST_REASONS),
            StageKind::Open => "",
        };
        let probability = if kind == StageKind::Open && self.rng.chance(12) {
            let base = i64::from(self.stage_probability[stage]);
            Some((base + self.rng.between(-3, 3) * 5).clamp(0, 100) as u8)
        } else {
            None
        };

        // Values from €500 to €250,000, most of them small.
        let (lo, hi, round) = match self.rng.weighted(&[30, 35, 25, 10]) {
            0 => (500, 2_000, 10),
            1 => (2_000, 10_000, 50),
            2 => (10_000, 50_000, 100),
            _ => (50_000, 250_000, 500),
        };
        let major = self.rng.between(lo, hi) / round * round;
        let currency = match self.rng.below(100) {
            0..=79 => Currency::EUR,
            80..=91 => Currency::USD,
            _ => self.gbp,
        };

        let product = self.rng.pick(PRODUCTS);
        let title = match company {
            Some(co) => format!("{product} – {}", co.name),
            None => format!("{product} – {first} {last}"),
        };
        let notes = if self.rng.chance(10) { self.rng.pick(DEAL_NOTES).to_string() } else { String::new() };
        let owner = if self.rng.chance(85) { owner } else { self.owner() };
        let id = DealId::placeholder(self.next_deal);
        self.next_deal += 1;
        self.out.push(Change::Create(Record::Deal(Deal {
            id,
            title,
            company: company.map(|co| co.id),
            contact: Some(contact),
            value: Money::new(major * 100, currency),
            stage: self.stage_keys[stage].clone(),
            probability,
            close: to_day(close_day),
            owner: self.owners[owner].clone(),
            history,
            reason: reason.to_string(),
            notes,
            ..Deal::default()
        })));
        self.summary.deals += 1;
        id
    }

    /// A time on a working day `back` days before today, between 08:00 and 18:00 UTC, before now.
    fn past_work_time(&mut self, back: i64) -> i64 {
        let day = workday(self.today - back);
        let at = day_start_ms(day) + (8 * 60 + self.rng.between(0, 40) * 15) * MINUTE_MS;
        if at >= self.now {
            at - DAY_MS * if weekday(day) == 0 { 3 } else { 1 }
        } else {
            at
        }
    }

    fn activity(&mut self, contact: ContactId, company: Option<CompanyId>, deal: Option<DealId>, owner: usize) {
        let back = self.rng.between(0, 182);
        let at = self.past_work_time(back);
        let kind = ActivityKind::ALL[self.rng.weighted(&[35, 15, 30, 20])];
        let topic = self.rng.pick(TOPICS);
        let (summary, outcome, duration) = match kind {
            ActivityKind::Call => {
                let summary = match self.rng.below(4) {
                    0 => format!("Follow-up call about {topic}"),
                    1 => "Intro call".to_string(),
                    _ => format!("Call about {topic}"),
                };
                let outcome = CALL_OUTCOMES[self.rng.weighted(&CALL_OUTCOME_WEIGHTS)];
                let minutes = if outcome == "reached" { self.rng.between(3, 45) } else { 1 };
                (summary, outcome, Some(minutes as u32))
            }
            ActivityKind::Meeting => {
                let summary = if self.rng.chance(50) {
                    self.rng.pick(MEETINGS).to_string()
                } else {
                    format!("Meeting about {topic}")
                };
                (summary, "", Some(self.rng.between(1, 8) as u32 * 15))
            }
            ActivityKind::Email => {
                let summary = match self.rng.below(3) {
                    0 => format!("Sent {}", self.rng.pick(DOCUMENTS)),
                    1 => format!("Answered a question about {topic}"),
                    _ => format!("Email about {topic}"),
                };
                (summary, "", None)
            }
            ActivityKind::Note => (self.rng.pick(NOTES).to_string(), "", None),
        };
        let body = if self.rng.chance(30) {
            let mut b = self.rng.pick(BODIES).to_string();
            if self.rng.chance(30) {
                b.push(' ');
                b.push_str(self.rng.pick(BODIES));
            }
            b
        } else {
            String::new()
        };
        let author = if self.rng.chance(70) { owner } else { self.owner() };
        let deal = match deal {
            Some(d) if self.rng.chance(40) => Some(d),
            _ => None,
        };
        self.out.push(Change::Create(Record::Activity(Activity {
            id: ActivityId::placeholder(0),
            kind,
            at: Timestamp(at),
            contact: Some(contact),
            company,
            deal,
            summary,
            body,
            author: self.owners[author].clone(),
            outcome: outcome.to_string(),
            duration_min: duration,
            ..Activity::default()
        })));
        self.summary.activities += 1;
    }

    fn task(&mut self, contact: ContactId, deal: Option<DealId>, owner: usize) {
        let n = self.tasks_made;
        self.tasks_made += 1;
        // The first few: one overdue, one due today, one upcoming, so that a tiny demo shows them all.
        let offset = match n {
            0 => -3,
            1 => 0,
            2 => 3,
            _ => self.rng.between(-10, 30),
        };
        let day = if offset == 0 { self.today } else { workday(self.today + offset) };
        let due_ms = day_start_ms(day) + (8 * 60 + self.rng.between(0, 36) * 15) * MINUTE_MS;
        let due = match to_day(day) {
            Some(d) if self.rng.chance(40) => Due::Day(d),
            _ => Due::At(Timestamp(due_ms)),
        };
        let done_percent = match offset {
            _ if n < 3 => 0,
            ..=-1 => 45,
            0 => 20,
            _ => 4,
        };
        let done = if self.rng.chance(done_percent) {
            let at = if due_ms < self.now {
                (due_ms + self.rng.between(-120, 2 * 24 * 60) * MINUTE_MS).min(self.now - MINUTE_MS)
            } else {
                self.now - self.rng.between(10, 72 * 60) * MINUTE_MS
            };
            Some(Timestamp(at))
        } else {
            None
        };
        let snoozed_until = if done.is_none() && due_ms < self.now && self.rng.chance(5) {
            Some(Timestamp(self.now + self.rng.between(1, 3) * DAY_MS))
        } else {
            None
        };
        let recurring = self.rng.chance(6);
        let recurrence = if !recurring {
            Recurrence::None
        } else if self.rng.chance(60) {
            Recurrence::Weekly { days: 1 << weekday(day) }
        } else {
            Recurrence::Monthly { day: to_day(day).map_or(1, |d| chrono::Datelike::day(&d.0) as u8) }
        };
        let deal = match deal {
            Some(d) if self.rng.chance(50) => Some(d),
            _ => None,
        };
        let title = match (recurrence, deal) {
            (Recurrence::Weekly { .. }, _) => "Weekly check-in call",
            (Recurrence::Monthly { .. }, _) => "Monthly account review",
            (_, Some(_)) => self.rng.pick(DEAL_TASK_TITLES),
            _ => self.rng.pick(TASK_TITLES),
        };
        let priority = Priority::ALL[self.rng.weighted(&[20, 50, 22, 8])];
        let notes = if self.rng.chance(10) { self.rng.pick(TASK_NOTES).to_string() } else { String::new() };
        let assignee = if self.rng.chance(80) { owner } else { self.owner() };
        self.out.push(Change::Create(Record::Task(Task {
            id: TaskId::placeholder(0),
            title: title.to_string(),
            due,
            contact: Some(contact),
            deal,
            assignee: self.owners[assignee].clone(),
            priority,
            recurrence,
            done,
            snoozed_until,
            notes,
            ..Task::default()
        })));
        self.summary.tasks += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::keys::task_due_ms;

    const NOW: Timestamp = Timestamp(1_795_770_000_000); // 2026-11-27T09:00:00Z, a Friday

    fn fresh(contacts: usize, seed: u64, batch: usize) -> (tempfile::TempDir, Store, DemoSummary) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), None).unwrap();
        let summary = generate_in_batches(&store, "demo", NOW, contacts, seed, batch, &mut |_, _| {}).unwrap();
        (dir, store, summary)
    }

    fn live(store: &Store, kind: EntityKind) -> Vec<Record> {
        store.all_live(kind).unwrap()
    }

    #[test]
    fn generates_a_plausible_crm() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), None).unwrap();
        let mut calls = Vec::new();
        let s = generate(&store, "demo", NOW, 200, 7, &mut |done, total| calls.push((done, total))).unwrap();
        assert_eq!(calls, vec![(200, 200)]);

        assert_eq!(s.users, 5);
        assert_eq!(s.contacts, 200);
        assert_eq!(live(&store, EntityKind::User).len(), s.users);
        assert_eq!(live(&store, EntityKind::Company).len(), s.companies);
        assert_eq!(live(&store, EntityKind::Contact).len(), s.contacts);
        assert_eq!(live(&store, EntityKind::Deal).len(), s.deals);
        assert_eq!(live(&store, EntityKind::Activity).len(), s.activities);
        assert_eq!(live(&store, EntityKind::Task).len(), s.tasks);
        assert!((20..=70).contains(&s.companies), "{s:?}");
        assert!((40..=100).contains(&s.deals), "{s:?}");
        assert!((450..=800).contains(&s.activities), "{s:?}");
        assert!((60..=150).contains(&s.tasks), "{s:?}");

        // Every stage has deals; histories end in the current stage and go forward in time.
        let deals: Vec<Deal> = live(&store, EntityKind::Deal)
            .into_iter()
            .filter_map(|r| if let Record::Deal(d) = r { Some(d) } else { None })
            .collect();
        for stage in &store.pipeline().stages {
            assert!(deals.iter().any(|d| d.stage == stage.key), "no deal in {}", stage.key);
        }
        for d in &deals {
            assert_eq!(d.history.last().map(|e| e.stage.as_str()), Some(d.stage.as_str()), "{d:?}");
            assert!(d.history.windows(2).all(|w| w[0].at < w[1].at), "{d:?}");
            assert!(d.history.iter().all(|e| e.at < NOW), "{d:?}");
            assert!((50_000..=25_000_000).contains(&d.value.minor), "{d:?}");
            let kind = store.pipeline().get(&d.stage).unwrap().kind;
            assert_eq!(kind != StageKind::Open, !d.reason.is_empty(), "{d:?}");
        }

        // Tasks: some overdue, some upcoming, some done.
        let tasks: Vec<Task> = live(&store, EntityKind::Task)
            .into_iter()
            .filter_map(|r| if let Record::Task(t) = r { Some(t) } else { None })
            .collect();
        let overdue = tasks.iter().filter(|t| t.is_open() && task_due_ms(t) < NOW.0).count();
        let upcoming = tasks.iter().filter(|t| t.is_open() && task_due_ms(t) > NOW.0).count();
        let done = tasks.iter().filter(|t| t.done.is_some()).count();
        assert!(overdue > 0 && upcoming > overdue && done > 0, "{overdue} overdue, {upcoming} upcoming, {done} done");
        assert_eq!(store.tasks_due_before(NOW).unwrap().len(), overdue);

        // Activities lie in the past half year.
        for r in live(&store, EntityKind::Activity) {
            let Record::Activity(a) = r else { unreachable!() };
            assert!(a.at < NOW && a.at.0 > NOW.0 - 190 * DAY_MS, "{a:?}");
        }

        // Names in several scripts.
        let names: Vec<String> = live(&store, EntityKind::Contact).iter().map(|r| r.label().to_string()).collect();
        let has = |range: std::ops::RangeInclusive<char>| names.iter().any(|n| n.chars().any(|c| range.contains(&c)));
        assert!(has('\u{0400}'..='\u{04FF}'), "no Cyrillic name");
        assert!(has('\u{0600}'..='\u{06FF}'), "no Arabic name");
        assert!(names
            .iter()
            .any(|n| n.chars().any(|c| matches!(c, 'ü' | 'é' | 'ł' | 'ø' | 'ç' | 'ñ' | 'ö' | 'á' | 'í'))));

        // Owners are all users.
        let users: Vec<String> = live(&store, EntityKind::User).iter().map(|r| r.label().to_string()).collect();
        for r in live(&store, EntityKind::Contact) {
            let Record::Contact(c) = r else { unreachable!() };
            assert!(users.contains(&c.owner), "{}", c.owner);
        }
    }

    #[test]
    fn same_seed_same_data() {
        let (_d1, a, sa) = fresh(200, 7, BATCH_CONTACTS);
        let (_d2, b, sb) = fresh(200, 7, BATCH_CONTACTS);
        assert_eq!(serde_json::to_string(&sa).unwrap(), serde_json::to_string(&sb).unwrap());
        assert!(a.data_snapshot().unwrap() == b.data_snapshot().unwrap());
        let (_d3, c, _) = fresh(200, 8, BATCH_CONTACTS);
        assert!(a.data_snapshot().unwrap() != c.data_snapshot().unwrap());
    }

    #[test]
    fn batches_keep_links_inside_and_users_are_not_created_twice() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), None).unwrap();
        let mut calls = Vec::new();
        let s = generate_in_batches(&store, "marta", NOW, 130, 3, 50, &mut |d, t| calls.push((d, t))).unwrap();
        assert_eq!(calls, vec![(50, 130), (100, 130), (130, 130)]);
        assert_eq!(s.users, 4);
        assert_eq!(live(&store, EntityKind::Contact).len(), 130);
        // A second run adds data but no users.
        let again = generate(&store, "marta", NOW, 10, 4, &mut |_, _| {}).unwrap();
        assert_eq!(again.users, 0);
        assert_eq!(live(&store, EntityKind::User).len(), 4);
        assert_eq!(live(&store, EntityKind::Contact).len(), 140);
    }

    #[test]
    fn nothing_to_do_writes_nothing_but_the_users() {
        let (_d, store, s) = fresh(0, 1, BATCH_CONTACTS);
        assert_eq!(s.users, 5);
        assert_eq!(s.contacts, 0);
        assert_eq!(generate(&store, "demo", NOW, 0, 1, &mut |_, _| {}).unwrap().users, 0);
    }

    #[test]
    fn day_numbers_match_chrono() {
        assert_eq!(Day::ymd(1970, 1, 1).unwrap().number() as i64, UNIX_EPOCH_DAY);
        let friday = NOW.0.div_euclid(DAY_MS) + UNIX_EPOCH_DAY;
        assert_eq!(weekday(friday), 4);
        assert_eq!(workday(friday + 1), friday);
        assert_eq!(to_day(friday), Day::ymd(2026, 11, 27));
    }
}
