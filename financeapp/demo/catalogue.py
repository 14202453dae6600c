"""What the history generator draws from: a household's accounts, categories, payees and habits.

Plain data, no logic. Amounts are typical values in US dollars; the generator converts
them to each account's currency. Category names match the default set new workspaces
get (financeapp.categories.services), plus a few more, so a demo workspace has one tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# key, name, type, in the foreign currency?, opening balance, group, colour
ACCOUNTS: tuple[tuple[str, str, str, bool, float, str, str], ...] = (
    ("checking", "Everyday Checking", "checking", False, 3_200, "Everyday", "#0d6efd"),
    ("savings", "High-Yield Savings", "savings", False, 12_000, "Savings", "#198754"),
    ("card", "Visa Rewards Card", "credit_card", False, -640, "Credit", "#dc3545"),
    ("cash", "Wallet", "cash", False, 80, "Everyday", "#6f42c1"),
    ("foreign", "Travel Account", "checking", True, 250, "Everyday", "#20c997"),
    ("loan", "Car Loan", "loan", False, -18_500, "Credit", "#fd7e14"),
    ("brokerage", "Brokerage", "investment", False, 24_000, "Savings", "#0dcaf0"),
    ("car", "Car (2021 Honda CR-V)", "other_asset", False, 26_000, "Assets", "#6c757d"),
)

# Forty categories in eight groups.
CATEGORIES: dict[tuple[str, str], tuple[str, ...]] = {
    ("Income", "income"): ("Salary", "Bonus", "Interest", "Dividends", "Refunds", "Other income"),
    ("Home", "expense"): ("Rent or mortgage", "Utilities", "Internet and phone", "Insurance", "Repairs",
                          "Furniture"),
    ("Everyday", "expense"): ("Groceries", "Eating out", "Coffee", "Household supplies", "Clothing",
                              "Personal care"),
    ("Transport", "expense"): ("Fuel", "Public transport", "Car maintenance", "Parking", "Taxi",
                               "Car insurance"),
    ("Health", "expense"): ("Doctor", "Pharmacy", "Fitness", "Health insurance"),
    ("Leisure", "expense"): ("Entertainment", "Subscriptions", "Travel", "Hobbies", "Gifts", "Books"),
    ("Financial", "expense"): ("Bank fees", "Interest paid", "Taxes"),
    ("Family", "expense"): ("Childcare", "Education", "Pets"),
}

LABELS: dict[str, str] = {
    "Vacation": "#0dcaf0",
    "Tax deductible": "#198754",
    "Reimbursable": "#fd7e14",
    "Home office": "#6610f2",
    "Kids": "#d63384",
}

# Which label a labelled transaction of a category most likely gets.
LABEL_FOR: dict[str, str] = {
    "Travel": "Vacation",
    "Doctor": "Tax deductible",
    "Pharmacy": "Tax deductible",
    "Education": "Tax deductible",
    "Eating out": "Reimbursable",
    "Taxi": "Reimbursable",
    "Public transport": "Reimbursable",
    "Subscriptions": "Home office",
    "Furniture": "Home office",
    "Books": "Home office",
    "Clothing": "Kids",
    "Hobbies": "Kids",
    "Entertainment": "Kids",
}

CARD_FIRST = (("card", 0.62), ("checking", 0.28), ("cash", 0.10))
CASH_OFTEN = (("card", 0.50), ("cash", 0.45), ("checking", 0.05))
BILL_LIKE = (("card", 0.60), ("checking", 0.40))
SUMMER = {6: 1.2, 7: 1.4, 8: 1.3}
DECEMBER = {11: 1.3, 12: 1.8, 1: 0.8}


@dataclass(frozen=True)
class Spend:
    """How one category of day-to-day spending behaves."""

    weight: float  # relative share of day-to-day transactions
    median: float  # typical amount in USD
    sigma: float  # spread of the log-normal amount
    accounts: tuple[tuple[str, float], ...] = CARD_FIRST
    season: dict[int, float] = field(default_factory=dict)  # month -> weight multiplier
    abroad: bool = False  # also bought on holiday, from the foreign-currency account
    income: bool = False  # money in (selling things), not out


SPENDING: dict[str, Spend] = {
    "Groceries": Spend(22, 58, 0.65, season={12: 1.2}, abroad=True),
    "Eating out": Spend(12, 38, 0.6, season={**SUMMER, 12: 1.3}, abroad=True),
    "Coffee": Spend(12, 5.10, 0.3, CASH_OFTEN, abroad=True),
    "Household supplies": Spend(5, 24, 0.7),
    "Clothing": Spend(4, 62, 0.7, season={9: 1.4, 11: 1.3, 12: 1.6}),
    "Personal care": Spend(3, 28, 0.6),
    "Fuel": Spend(7, 46, 0.25, season=SUMMER),
    "Public transport": Spend(4, 6.50, 0.6, (("card", 0.7), ("cash", 0.3)), abroad=True),
    "Car maintenance": Spend(0.8, 240, 0.8, BILL_LIKE),
    "Parking": Spend(3, 9, 0.6, (("card", 0.5), ("cash", 0.5))),
    "Taxi": Spend(1.5, 22, 0.5, (("card", 1.0),), abroad=True),
    "Doctor": Spend(1.2, 95, 0.7, BILL_LIKE, season={1: 1.3, 2: 1.3}),
    "Pharmacy": Spend(2.5, 18, 0.7, season={1: 1.3, 2: 1.4, 12: 1.2}, abroad=True),
    "Fitness": Spend(0.5, 25, 0.4, season={1: 2.0}),
    "Entertainment": Spend(3, 35, 0.6, season={12: 1.3}, abroad=True),
    "Subscriptions": Spend(0.8, 6.99, 0.5, (("card", 1.0),)),
    "Travel": Spend(1.5, 180, 1.0, season={5: 1.5, 6: 2.0, 7: 3.5, 8: 3.0, 12: 1.5}, abroad=True),
    "Hobbies": Spend(2, 40, 0.8),
    "Gifts": Spend(1.5, 45, 0.8, season={11: 2.0, 12: 5.0, 2: 1.3}),
    "Books": Spend(1.5, 17, 0.4),
    "Repairs": Spend(0.7, 140, 0.9, BILL_LIKE),
    "Furniture": Spend(0.5, 260, 0.8, BILL_LIKE),
    "Pets": Spend(2, 38, 0.7),
    "Education": Spend(0.6, 150, 0.9, BILL_LIKE, season={8: 2.0, 9: 4.0, 1: 1.5}),
    "Bank fees": Spend(0.3, 3, 0.3, (("checking", 1.0),)),
    "Other income": Spend(0.4, 80, 0.8, (("checking", 1.0),), income=True),
}

# Day-to-day categories a shopping trip can be split with (2-3 lines).
SPLIT_WITH: dict[str, tuple[str, ...]] = {
    "Groceries": ("Household supplies", "Personal care", "Pets"),
    "Household supplies": ("Groceries", "Personal care"),
    "Clothing": ("Gifts", "Personal care"),
    "Pharmacy": ("Personal care", "Household supplies"),
    "Gifts": ("Clothing", "Books", "Hobbies"),
    "Travel": ("Eating out", "Entertainment"),
    "Fuel": ("Coffee", "Groceries"),
    "Eating out": ("Entertainment", "Coffee"),
    "Entertainment": ("Eating out",),
    "Hobbies": ("Gifts", "Books"),
    "Car maintenance": ("Fuel",),
}
SPLIT_ANYWHERE = ("Groceries", "Household supplies", "Gifts")

# Refunds come back from shops that sell things that get returned.
REFUNDABLE = ("Clothing", "Household supplies", "Hobbies", "Furniture", "Gifts", "Books")

MEMOS: dict[str, tuple[str, ...]] = {
    "Groceries": ("Weekly shop", "Party supplies", "Top-up shop", "BBQ"),
    "Eating out": ("Lunch with the team", "Date night", "Birthday dinner", "Brunch"),
    "Gifts": ("Birthday present", "Wedding gift", "Christmas presents", "Anniversary"),
    "Car maintenance": ("Oil change", "New tyres", "Annual service", "Brake pads"),
    "Travel": ("Flights", "Hotel deposit", "Car rental", "Weekend away"),
    "Doctor": ("Check-up", "Dentist", "Eye exam", "Physio"),
    "Repairs": ("Leaking tap", "Dishwasher repair", "Locksmith"),
    "Clothing": ("Winter coat", "Running shoes", "School uniform"),
    "Hobbies": ("Guitar strings", "Paint supplies", "Board game"),
}

# Payees of the fixed monthly life: employers, landlord, utilities, insurers, banks.
FIXED_PAYEES: dict[str, str] = {
    "Brightline Software Inc.": "Salary",
    "Riverside Unified School District": "Salary",
    "Parkside Apartments": "Rent or mortgage",
    "City Power & Light": "Utilities",
    "Metro Gas Co.": "Utilities",
    "County Water Utility": "Utilities",
    "Xfinity": "Internet and phone",
    "Verizon Wireless": "Internet and phone",
    "Netflix": "Subscriptions",
    "Spotify": "Subscriptions",
    "Apple iCloud": "Subscriptions",
    "Planet Fitness": "Fitness",
    "GEICO": "Car insurance",
    "Blue Cross Blue Shield": "Health insurance",
    "Lemonade Insurance": "Insurance",
    "Little Acorns Daycare": "Childcare",
    "First Federal Bank": "Interest",
    "Capital Auto Finance": "Interest paid",
    "Vanguard": "Dividends",
    "Internal Revenue Service": "Taxes",
    "Visa Rewards": "Bank fees",
}

# Well-known shops first: a few chains take most of the visits, a long tail the rest.
PAYEES: dict[str, tuple[str, ...]] = {
    "Groceries": ("Trader Joe's", "Safeway", "Costco", "Whole Foods Market", "Kroger", "Aldi",
                  "Walmart Supercenter", "Sprouts Farmers Market", "Wegmans", "Publix", "H-E-B"),
    "Eating out": ("Chipotle", "Panera Bread", "Shake Shack", "Sweetgreen", "Five Guys", "Olive Garden",
                   "Domino's Pizza", "Chick-fil-A", "The Cheesecake Factory", "Taco Bell", "DoorDash",
                   "Uber Eats"),
    "Coffee": ("Starbucks", "Peet's Coffee", "Dunkin'", "Blue Bottle Coffee", "Philz Coffee"),
    "Household supplies": ("Amazon", "Target", "The Home Depot", "Dollar Tree", "Lowe's", "Ace Hardware"),
    "Clothing": ("Uniqlo", "Old Navy", "H&M", "Nordstrom Rack", "Gap", "Zara", "Nike", "REI", "TJ Maxx",
                 "Macy's", "Levi's"),
    "Personal care": ("Great Clips", "Sephora", "Ulta Beauty"),
    "Fuel": ("Shell", "Chevron", "Costco Gas", "Exxon", "BP", "76", "Arco", "Valero"),
    "Public transport": ("Metro Transit", "Clipper Card", "Amtrak", "BART"),
    "Car maintenance": ("Jiffy Lube", "Firestone Complete Auto Care", "Discount Tire", "Midas",
                        "Honda Service Center"),
    "Parking": ("ParkMobile", "SpotHero", "City Parking Meter", "LAZ Parking"),
    "Taxi": ("Uber", "Lyft", "Yellow Cab Co."),
    "Doctor": ("Kaiser Permanente", "Bright Smile Dental", "Quest Diagnostics", "Eye Care Associates"),
    "Pharmacy": ("CVS Pharmacy", "Walgreens", "Rite Aid"),
    "Fitness": ("ClassPass", "YMCA"),
    "Entertainment": ("AMC Theatres", "Ticketmaster", "Steam", "Regal Cinemas", "Eventbrite", "Bowlero"),
    "Subscriptions": ("Apple App Store", "Google Play", "The New York Times", "Patreon"),
    "Travel": ("Delta Air Lines", "Airbnb", "United Airlines", "Marriott", "Southwest Airlines", "Hilton",
               "Booking.com", "Expedia", "Alaska Airlines", "Hertz", "Enterprise Rent-A-Car"),
    "Hobbies": ("Michaels", "Guitar Center", "Etsy", "Joann", "Games Workshop"),
    "Gifts": ("Hallmark", "1-800-Flowers", "Williams Sonoma", "Crate & Barrel"),
    "Books": ("Barnes & Noble", "Audible", "Kindle Store", "Powell's Books"),
    "Repairs": ("Ace Hardware", "TaskRabbit"),
    "Furniture": ("IKEA", "Wayfair", "West Elm", "Pottery Barn"),
    "Pets": ("Chewy", "Petco", "PetSmart", "Banfield Pet Hospital"),
    "Education": ("Coursera", "Udemy", "Riverside Community College", "Kumon"),
    "Bank fees": ("First Federal Bank",),
    "Other income": ("eBay", "Facebook Marketplace", "Venmo"),
}

# Where the household spends on its summer holiday abroad.
PAYEES_ABROAD: dict[str, tuple[str, ...]] = {
    "Groceries": ("Carrefour", "Monoprix", "Lidl", "Albert Heijn", "Conad", "Bäckerei Schmidt"),
    "Eating out": ("Trattoria da Luigi", "Le Petit Bistro", "Brasserie Lipp", "Taverna Kostas",
                   "Osteria Francescana", "Gasthaus zum Löwen", "La Boqueria Bar"),
    "Coffee": ("Café de Flore", "Caffè Florian", "Café Central", "Pâtisserie Ladurée"),
    "Public transport": ("RATP", "SNCF", "Deutsche Bahn", "Trenitalia", "GVB Amsterdam"),
    "Taxi": ("FreeNow", "Bolt", "G7 Taxi"),
    "Pharmacy": ("Pharmacie Centrale", "Farmacia Santa Maria"),
    "Entertainment": ("Musée du Louvre", "Uffizi Gallery", "Rijksmuseum", "Sagrada Família"),
    "Travel": ("Ryanair", "easyJet", "Hotel Adler", "NH Hotels", "Ibis Paris Centre", "Europcar"),
}

# The long tail of local businesses, made up from these parts until there are 500 payees.
LOCAL_WORDS = (
    "Golden", "Blue Olive", "Red Lantern", "Little", "Harbor", "Maple", "Corner", "Saffron", "Fig & Thyme",
    "Basil", "Rustic", "Urban", "Copper", "Silver Spoon", "Lotus", "Juniper", "Oak & Ember", "Sunset",
    "Pine Street", "Bamboo", "Riverside", "Hillcrest", "Northside", "Lakeview", "Union Square", "Elm Street",
    "Main Street", "Cedar", "Willow", "Hudson", "Magnolia", "Old Town", "Bayview", "Granite", "Mission",
)
LOCAL_SURNAMES = (
    "Miller", "Garcia", "Nguyen", "Patel", "Rossi", "O'Brien", "Kowalski", "Tanaka", "Schmidt", "Hughes",
    "Alvarez", "Chen", "Dubois", "Murphy", "Okafor", "Larsen", "Novak", "Silva", "Kim", "Fischer",
)
LOCAL_KINDS: dict[str, tuple[float, tuple[str, ...]]] = {
    # category: (share of the long tail, kinds of business)
    "Eating out": (30, ("Bistro", "Kitchen", "Grill", "Diner", "Trattoria", "Taqueria", "Noodle Bar",
                        "Pizzeria", "Sushi Bar", "Thai", "Cantina", "Burger Co.", "BBQ", "Pho", "Ramen",
                        "Tavern", "Bakery")),
    "Coffee": (8, ("Coffee", "Café", "Espresso Bar", "Coffee Roasters", "Coffee House")),
    "Groceries": (8, ("Market", "Grocery", "Food Co-op", "Farmers Market", "Butcher", "Deli")),
    "Clothing": (6, ("Boutique", "Outfitters", "Apparel", "Shoe Store")),
    "Personal care": (5, ("Barbershop", "Hair Studio", "Nail Salon", "Day Spa")),
    "Hobbies": (5, ("Hobby Shop", "Music", "Craft Supply", "Games", "Bike Shop")),
    "Car maintenance": (3, ("Auto Repair", "Garage", "Tire & Auto")),
    "Doctor": (4, ("Family Practice", "Dental", "Pediatrics", "Physical Therapy")),
    "Repairs": (3, ("Plumbing", "Electric", "Handyman Services", "Appliance Repair")),
    "Pets": (3, ("Veterinary Clinic", "Pet Supply", "Dog Grooming")),
    "Entertainment": (4, ("Cinema", "Comedy Club", "Bowling", "Escape Room", "Music Hall")),
    "Gifts": (3, ("Florist", "Gift Shop", "Chocolatier")),
    "Books": (2, ("Books", "Bookshop", "Comics")),
    "Household supplies": (4, ("Hardware", "Home Goods", "Garden Center")),
    "Fuel": (2, ("Gas & Go", "Fuel Stop")),
    "Parking": (1, ("Parking Garage",)),
    "Travel": (3, ("Inn", "Motel", "Lodge", "Guesthouse")),
}
PAYEE_COUNT = 500

# Rough units of each currency per US dollar, so amounts look right in any base currency.
PER_USD: dict[str, float] = {
    "USD": 1.0, "EUR": 0.92, "GBP": 0.79, "CHF": 0.88, "CAD": 1.36, "AUD": 1.52, "NZD": 1.65,
    "SEK": 10.5, "NOK": 10.7, "DKK": 6.9, "PLN": 4.0, "CZK": 23.0, "JPY": 150.0, "INR": 83.0,
    "BRL": 5.0, "MXN": 17.0, "ZAR": 18.5, "SGD": 1.35, "HKD": 7.8, "CNY": 7.2,
}
