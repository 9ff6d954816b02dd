"""Places for the synthetic roster: ILO duty stations, home-country capitals and telephone calling codes."""

from __future__ import annotations

# Cities with an ILO office (regional, decent work team or country office), as (ISO3, city).
ILO_OFFICES: tuple[tuple[str, str], ...] = (
    ("CHE", "Geneva"), ("CIV", "Abidjan"), ("ETH", "Addis Ababa"), ("SEN", "Dakar"), ("ZAF", "Pretoria"),
    ("CMR", "Yaoundé"), ("COD", "Kinshasa"), ("TZA", "Dar es Salaam"), ("ZMB", "Lusaka"), ("NGA", "Abuja"),
    ("EGY", "Cairo"), ("DZA", "Algiers"), ("MDG", "Antananarivo"), ("ZWE", "Harare"), ("KEN", "Nairobi"),
    ("LBN", "Beirut"), ("JOR", "Amman"), ("THA", "Bangkok"), ("IND", "New Delhi"), ("PHL", "Manila"),
    ("IDN", "Jakarta"), ("NPL", "Kathmandu"), ("BGD", "Dhaka"), ("PAK", "Islamabad"), ("AFG", "Kabul"),
    ("MMR", "Yangon"), ("VNM", "Hanoi"), ("CHN", "Beijing"), ("FJI", "Suva"), ("LKA", "Colombo"),
    ("PER", "Lima"), ("CRI", "San José"), ("MEX", "Mexico City"), ("TTO", "Port of Spain"), ("CHL", "Santiago"),
    ("BRA", "Brasília"), ("ARG", "Buenos Aires"), ("TUR", "Ankara"), ("HUN", "Budapest"), ("RUS", "Moscow"),
    ("UKR", "Kyiv"), ("BEL", "Brussels"), ("USA", "New York"), ("HTI", "Port-au-Prince"), ("SDN", "Khartoum"),
)

# Home countries of the name pools: (capital or main city, international calling code).
HOME: dict[str, tuple[str, str]] = {
    "SYR": ("Damascus", "963"), "LBN": ("Beirut", "961"), "JOR": ("Amman", "962"), "PSE": ("Ramallah", "970"),
    "IRQ": ("Baghdad", "964"), "YEM": ("Sana'a", "967"), "EGY": ("Cairo", "20"), "SDN": ("Khartoum", "249"),
    "LBY": ("Tripoli", "218"), "TUN": ("Tunis", "216"), "DZA": ("Algiers", "213"), "MAR": ("Rabat", "212"),
    "TUR": ("Ankara", "90"), "AFG": ("Kabul", "93"), "IRN": ("Tehran", "98"), "TJK": ("Dushanbe", "992"),
    "NPL": ("Kathmandu", "977"), "BGD": ("Dhaka", "880"), "IND": ("New Delhi", "91"), "PAK": ("Islamabad", "92"),
    "LKA": ("Colombo", "94"), "PHL": ("Manila", "63"), "MMR": ("Yangon", "95"), "VNM": ("Hanoi", "84"),
    "IDN": ("Jakarta", "62"), "THA": ("Bangkok", "66"), "CHN": ("Beijing", "86"), "KOR": ("Seoul", "82"),
    "JPN": ("Tokyo", "81"), "PNG": ("Port Moresby", "675"), "FJI": ("Suva", "679"), "SLB": ("Honiara", "677"),
    "VUT": ("Port Vila", "678"), "WSM": ("Apia", "685"), "SEN": ("Dakar", "221"), "MLI": ("Bamako", "223"),
    "BFA": ("Ouagadougou", "226"), "NER": ("Niamey", "227"), "TCD": ("N'Djamena", "235"),
    "CIV": ("Abidjan", "225"), "GIN": ("Conakry", "224"), "CMR": ("Yaoundé", "237"), "TGO": ("Lomé", "228"),
    "BEN": ("Cotonou", "229"), "NGA": ("Abuja", "234"), "GHA": ("Accra", "233"), "SLE": ("Freetown", "232"),
    "LBR": ("Monrovia", "231"), "GMB": ("Banjul", "220"), "KEN": ("Nairobi", "254"), "UGA": ("Kampala", "256"),
    "TZA": ("Dar es Salaam", "255"), "ETH": ("Addis Ababa", "251"), "RWA": ("Kigali", "250"),
    "SSD": ("Juba", "211"), "SOM": ("Mogadishu", "252"), "MOZ": ("Maputo", "258"), "AGO": ("Luanda", "244"),
    "CPV": ("Praia", "238"), "GNB": ("Bissau", "245"), "COD": ("Kinshasa", "243"), "CAF": ("Bangui", "236"),
    "COG": ("Brazzaville", "242"), "BDI": ("Bujumbura", "257"), "MEX": ("Mexico City", "52"),
    "SLV": ("San Salvador", "503"), "GTM": ("Guatemala City", "502"), "HND": ("Tegucigalpa", "504"),
    "COL": ("Bogotá", "57"), "PER": ("Lima", "51"), "ECU": ("Quito", "593"), "BOL": ("La Paz", "591"),
    "VEN": ("Caracas", "58"), "ARG": ("Buenos Aires", "54"), "CHL": ("Santiago", "56"), "BRA": ("Brasília", "55"),
    "HTI": ("Port-au-Prince", "509"), "ESP": ("Madrid", "34"), "PRT": ("Lisbon", "351"), "GRC": ("Athens", "30"),
    "CYP": ("Nicosia", "357"), "ITA": ("Rome", "39"), "FRA": ("Paris", "33"), "BEL": ("Brussels", "32"),
    "CHE": ("Geneva", "41"), "DEU": ("Berlin", "49"), "AUT": ("Vienna", "43"), "NLD": ("The Hague", "31"),
    "SWE": ("Stockholm", "46"), "NOR": ("Oslo", "47"), "DNK": ("Copenhagen", "45"), "FIN": ("Helsinki", "358"),
    "GBR": ("London", "44"), "IRL": ("Dublin", "353"), "USA": ("Washington", "1"), "CAN": ("Ottawa", "1"),
    "AUS": ("Canberra", "61"), "NZL": ("Wellington", "64"), "UKR": ("Kyiv", "380"), "POL": ("Warsaw", "48"),
    "RUS": ("Moscow", "7"), "BLR": ("Minsk", "375"), "MDA": ("Chișinău", "373"), "KAZ": ("Astana", "7"),
    "UZB": ("Tashkent", "998"), "KGZ": ("Bishkek", "996"), "SRB": ("Belgrade", "381"), "BIH": ("Sarajevo", "387"),
    "HRV": ("Zagreb", "385"), "MKD": ("Skopje", "389"), "ALB": ("Tirana", "355"), "XKX": ("Pristina", "383"),
}

# Where crises often call for ILO crisis response (experience is drawn mostly from here), with weights.
CRISIS_COUNTRIES: dict[str, float] = {
    "AFG": 3, "TUR": 3, "SYR": 3, "PHL": 3, "MEX": 1.5, "SLV": 1, "PNG": 1, "ESP": 0.5, "GRC": 0.8, "UKR": 3,
    "SDN": 2.5, "HTI": 2.5, "BFA": 2, "TCD": 2, "NPL": 2, "BGD": 2.5, "MMR": 2, "MOZ": 2, "LBN": 2.5, "JOR": 2,
    "IRQ": 2, "YEM": 2, "SOM": 2, "SSD": 2, "ETH": 2, "COD": 2, "NGA": 1.5, "MLI": 1.5, "NER": 1.5, "CAF": 1,
    "PAK": 2, "IDN": 1.5, "VNM": 1, "FJI": 1, "VUT": 0.8, "COL": 1.5, "VEN": 1, "PER": 1, "ECU": 1, "GTM": 1,
    "HND": 1, "PSE": 2, "LBY": 1, "MDG": 1, "MWI": 1, "ZWE": 1, "KEN": 1.2, "UGA": 1.2, "LKA": 1, "TLS": 0.6,
}
