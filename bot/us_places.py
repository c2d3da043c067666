"""US states and large cities recognised as `location` entities.

Visitors ask "do you have a clinic in Texas?" or prefer a city for their
visit; the spaCy entity ruler built by bot/model_tools/spacy_pipeline.py tags these.
"""

STATES = [
    "Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado",
    "Connecticut", "Delaware", "Florida", "Georgia", "Hawaii", "Idaho",
    "Illinois", "Indiana", "Iowa", "Kansas", "Kentucky", "Louisiana", "Maine",
    "Maryland", "Massachusetts", "Michigan", "Minnesota", "Mississippi",
    "Missouri", "Montana", "Nebraska", "Nevada", "New Hampshire", "New Jersey",
    "New Mexico", "New York", "North Carolina", "North Dakota", "Ohio",
    "Oklahoma", "Oregon", "Pennsylvania", "Rhode Island", "South Carolina",
    "South Dakota", "Tennessee", "Texas", "Utah", "Vermont", "Virginia",
    "Washington", "West Virginia", "Wisconsin", "Wyoming",
    "District of Columbia",
]

CITIES = [
    "New York", "NYC", "Los Angeles", "LA", "Chicago", "Houston", "Phoenix",
    "Philadelphia", "Philly", "San Antonio", "San Diego", "Dallas", "Austin",
    "Jacksonville", "Fort Worth", "San Jose", "Columbus", "Charlotte",
    "Indianapolis", "San Francisco", "Seattle", "Denver", "Washington DC",
    "Nashville", "Oklahoma City", "El Paso", "Boston", "Portland", "Las Vegas",
    "Detroit", "Memphis", "Louisville", "Baltimore", "Milwaukee",
    "Albuquerque", "Tucson", "Fresno", "Sacramento", "Kansas City", "Mesa",
    "Atlanta", "Omaha", "Colorado Springs", "Raleigh", "Miami",
    "Long Beach", "Virginia Beach", "Oakland", "Minneapolis", "Tulsa",
    "Tampa", "Arlington", "New Orleans", "Cleveland", "Honolulu",
    "Orlando", "Pittsburgh", "St. Louis", "Salt Lake City", "Beverly Hills",
    "Brooklyn", "Manhattan", "Scottsdale", "Newark", "Cincinnati",
]
