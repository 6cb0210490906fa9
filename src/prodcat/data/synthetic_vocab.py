"""Name tables for the synthetic marketplace (`prodcat.data.synthetic`): data only, no logic.

Compact string formats keep ~230 leaves and ~110 hand-written brands readable:

* `TREE`: top level -> mid level -> leaf -> ``"noun/noun/noun ; attr_kind attr_kind"``. A dict in place of
  a leaf string is one more level (4-deep branches). The key ``"_"`` gives the attribute kinds of every
  leaf below it that does not list its own. Nouns are the words a title may use to name the product type.
* `REAL_BRANDS`: brand -> ``"Leaf: Line, Line | Leaf | Mid>Leaf: Line"``. A leaf reference is the end of
  a path (``"Women's Shoes>Running Shoes"`` where the leaf name alone is ambiguous). A leaf without lines
  gets product lines generated from the brand's stems.
* `ATTRS`: attribute kind -> ``"value|value|value"`` (values may contain "/": "205/55 r16").
"""

from __future__ import annotations

TREE: dict = {
    "Electronics": {
        "Mobile Phones": {
            "_": "storage color phone_feat",
            "Smartphones": "smartphone/phone/5g smartphone/cell phone/mobile phone",
            "Basic Phones": "mobile phone/flip phone/feature phone/big button phone",
            "Rugged Phones": "rugged phone/rugged smartphone/waterproof phone",
        },
        "Mobile Phone Accessories": {
            "_": "color material pack",
            "Phone Cases": "case/phone case/cover/shockproof case/wallet case",
            "Screen Protectors": "screen protector/tempered glass screen protector/screen guard ; pack",
            "Phone Chargers": "charger/fast charger/wall charger/usb-c charger ; watt color",
            "Charging Cables": "charging cable/usb-c cable/lightning cable/charger cable ; length color pack",
            "Power Banks": "power bank/portable charger/battery pack ; mah color",
        },
        "Tablets & E-Readers": {
            "_": "storage color",
            "Tablets": "tablet/tablet computer/tablet pc/wifi tablet ; storage screen color",
            "E-Readers": "e-reader/ebook reader/e-ink reader",
            "Tablet Cases": "tablet case/folio case/smart cover/keyboard case ; color material",
        },
        "TV & Home Cinema": {
            "_": "tv_size color",
            "Televisions": "tv/smart tv/4k tv/oled tv/led tv ; tv_size tv_feat",
            "Soundbars": "soundbar/sound bar/tv speaker ; audio_feat color",
            "Projectors": "projector/home cinema projector/mini projector/portable projector ; tv_feat color",
        },
        "Audio": {
            "_": "color audio_feat",
            "Over-Ear Headphones": "headphones/over-ear headphones/wireless headphones"
            "/noise cancelling headphones",
            "Earbuds": "earbuds/true wireless earbuds/in-ear headphones/earphones",
            "Headphone Ear Pads": "ear pads/replacement ear cushions/earpads"
            "/ear pad cushions ; color material pack",
            "Bluetooth Speakers": "bluetooth speaker/portable speaker/wireless speaker",
            "Smart Speakers": "smart speaker/voice assistant speaker/smart home speaker",
        },
        "Cameras & Photo": {
            "_": "color",
            "Digital Cameras": "camera/digital camera/mirrorless camera/dslr camera ; camera_kit color",
            "Camera Lenses": "lens/camera lens/zoom lens/prime lens ; lens_spec",
            "Action Cameras": "action camera/action cam/sports camera/4k action camera ; camera_kit",
            "Drones": "drone/camera drone/quadcopter/mini drone ; camera_kit",
            "Memory Cards": "memory card/sd card/microsd card/sdxc card ; storage pack",
        },
        "Wearables": {
            "_": "color",
            "Smartwatches": "smartwatch/smart watch/gps watch/fitness smartwatch ; watch_size color",
            "Fitness Trackers": "fitness tracker/activity tracker/fitness band",
            "Watch Straps": "watch strap/watch band/replacement band/strap ; watch_size color material",
        },
        "Video Games": {
            "_": "color",
            "Game Consoles": "console/game console/handheld console/gaming console ; storage color",
            "Controllers": "controller/wireless controller/gamepad/joystick",
            "Gaming Headsets": "gaming headset/headset/gaming headphones ; audio_feat color",
        },
    },
    "Computers": {
        "Laptops": {
            "_": "screen ram storage color",
            "Laptops": "laptop/notebook/ultrabook/laptop computer",
            "Gaming Laptops": "gaming laptop/gaming notebook/rtx laptop",
            "Chromebooks": "chromebook/chromebook laptop",
        },
        "Laptop Accessories": {
            "_": "screen color",
            "Laptop Sleeves": "laptop sleeve/sleeve/laptop case/laptop bag ; screen color material",
            "Laptop Chargers": "laptop charger/power adapter/ac adapter/charger ; watt",
            "Docking Stations": "docking station/usb-c hub/dock/multiport adapter ; ports",
        },
        "Computer Components": {
            "_": "",
            "Graphics Cards": "graphics card/gpu/video card ; vram",
            "Processors": "processor/cpu/desktop processor ; cpu_spec",
            "Memory (RAM)": "ram/memory kit/desktop memory/ddr5 ram ; ram_kit",
            "Internal SSDs": "ssd/nvme ssd/m.2 ssd/internal solid state drive ; storage",
        },
        "Peripherals": {
            "_": "color",
            "Keyboards": "keyboard/mechanical keyboard/wireless keyboard/gaming keyboard ; color layout",
            "Mice": "mouse/wireless mouse/gaming mouse/ergonomic mouse",
            "Monitors": "monitor/gaming monitor/display/4k monitor ; screen refresh",
            "Printers": "printer/inkjet printer/laser printer/all-in-one printer ; printer_feat",
            "Ink Cartridges": "ink cartridge/ink/toner/cartridge ; ink_colour pack",
        },
        "Networking": {
            "_": "wifi_spec",
            "Wi-Fi Routers": "router/wifi router/mesh wifi system/wireless router ; wifi_spec pack",
            "Range Extenders": "wifi extender/range extender/wifi repeater",
        },
        "Data Storage": {
            "_": "storage color",
            "External Hard Drives": "external hard drive/portable hard drive/external hdd/portable ssd",
            "USB Flash Drives": "usb flash drive/usb stick/pen drive/memory stick ; storage pack",
        },
    },
    "Home & Kitchen": {
        "Small Appliances": {
            "_": "color power_w",
            "Blenders": "blender/smoothie blender/personal blender"
            "/countertop blender ; power_w capacity_l color",
            "Blender Parts": "replacement jar/blender jar/blender cup/replacement blade ; capacity_l pack",
            "Coffee Machines": "coffee machine/espresso machine/coffee maker/bean to cup coffee machine",
            "Coffee Pods": "coffee pods/capsules/coffee capsules/pods ; count intensity",
            "Kettles": "kettle/electric kettle/cordless kettle ; capacity_l color",
            "Air Fryers": "air fryer/dual basket air fryer/health fryer ; capacity_l power_w",
            "Stand Mixers": "stand mixer/kitchen mixer/food mixer ; capacity_l color",
        },
        "Kitchen & Dining": {
            "_": "material color",
            "Cookware": {
                "_": "cookware_size material kitchen_feat",
                "Frying Pans": "frying pan/non-stick frying pan/skillet",
                "Saucepans": "saucepan/saucepan set/milk pan",
                "Dutch Ovens": "dutch oven/casserole dish/cast iron casserole",
            },
            "Chef's Knives": "chef's knife/chef knife/cook's knife/kitchen knife ; blade_len material",
            "Water Bottles": "water bottle/insulated bottle/sports bottle/flask ; capacity_ml color",
            "Travel Mugs": "travel mug/insulated mug/tumbler/coffee cup ; capacity_ml color",
            "Food Storage Containers": "food storage containers/lunch box/storage box ; pack capacity_ml",
        },
        "Large Appliances": {
            "_": "energy color",
            "Washing Machines": "washing machine/washer/front loading washing machine ; load_kg spin energy",
            "Refrigerators": "fridge freezer/fridge/american fridge freezer"
            "/refrigerator ; fridge_l energy color",
            "Dishwashers": "dishwasher/integrated dishwasher/slimline dishwasher ; place_settings energy",
        },
        "Vacuums & Floor Care": {
            "_": "color power_w",
            "Vacuum Cleaners": "vacuum cleaner/cordless vacuum/stick vacuum/bagless vacuum",
            "Robot Vacuums": "robot vacuum/robot vacuum cleaner/robot mop/robovac ; runtime",
            "Vacuum Filters": "filter/hepa filter/replacement filter/vacuum filter ; pack",
        },
        "Bedding": {
            "_": "bed_size color material",
            "Duvets": "duvet/quilt/comforter/all seasons duvet ; bed_size tog",
            "Pillows": "pillow/bed pillow/memory foam pillow/pillows ; pack material",
            "Bed Sheets": "fitted sheet/flat sheet/bed sheet/sheet set",
        },
        "Home Decor": {
            "_": "color material",
            "Candles": "candle/scented candle/jar candle ; scent candle_size",
            "Cushions": "cushion/throw pillow/cushion cover/scatter cushion ; cushion_size color",
            "Rugs": "rug/area rug/runner/living room rug ; rug_size color",
        },
    },
    "Fashion": {
        "Men's Clothing": {
            "_": "clothing_size color apparel_feat",
            "T-Shirts": "t-shirt/tee/crew neck t-shirt/mens t-shirt",
            "Jeans": "jeans/mens jeans/slim jeans/denim ; waist color",
            "Hoodies": "hoodie/hooded sweatshirt/pullover hoodie/zip hoodie",
            "Jackets": "jacket/puffer jacket/rain jacket/mens jacket",
        },
        "Women's Clothing": {
            "_": "clothing_size color apparel_feat",
            "Dresses": "dress/midi dress/maxi dress/summer dress",
            "Leggings": "leggings/high waisted leggings/yoga leggings/gym leggings",
            "Jeans": "jeans/womens jeans/skinny jeans/mom jeans ; waist color",
            "Jackets": "jacket/womens jacket/puffer jacket/rain jacket",
        },
        "Men's Shoes": {
            "_": "shoe_size color",
            "Athletic Shoes": {
                "Running Shoes": "running shoes/running shoe/mens running shoes/running trainers"
                "/road running shoes",
                "Trail Running Shoes": "trail running shoes/trail shoes/trail running shoe"
                "/off road running shoes",
                "Basketball Shoes": "basketball shoes/basketball shoe/hoops shoes",
            },
            "Sneakers": "sneakers/trainers/mens trainers/shoes",
            "Boots": "boots/chelsea boots/work boots/mens boots/hiking boots",
            "Sandals": "sandals/sliders/flip flops/mens sandals",
        },
        "Women's Shoes": {
            "_": "shoe_size color",
            "Running Shoes": "running shoes/womens running shoes/running trainers/ladies running shoe",
            "Sneakers": "sneakers/trainers/womens trainers/ladies trainers",
            "Boots": "boots/ankle boots/womens boots/knee high boots",
            "Heels": "heels/high heels/court shoes/stiletto pumps",
        },
        "Bags & Luggage": {
            "_": "color material",
            "Backpacks": "backpack/rucksack/school bag/daypack ; volume_l color",
            "Suitcases": "suitcase/hard shell suitcase/cabin bag/luggage ; luggage_size color",
            "Wallets": "wallet/purse/card holder/bifold wallet",
        },
        "Fashion Accessories": {
            "_": "color material",
            "Sunglasses": "sunglasses/polarised sunglasses/shades ; lens_color",
            "Watches": "watch/wrist watch/analogue watch/chronograph watch ; watch_size color material",
            "Hats & Caps": "cap/baseball cap/beanie/bucket hat ; color",
        },
    },
    "Sports & Outdoors": {
        "Tennis": {
            "_": "color",
            "Tennis Rackets": "tennis racket/racket/racquet/tennis racquet ; racket_weight grip head_size",
            "Tennis Balls": "tennis balls/balls/tube of balls ; ball_pack",
            "Tennis Strings": "tennis string/string/string set/string reel ; gauge string_len color",
            "Overgrips": "overgrip/grip/replacement grip/tennis grip ; pack color",
            "Tennis Bags": "tennis bag/racket bag/racquet bag ; racket_count color",
        },
        "Fitness": {
            "_": "color",
            "Dumbbells": "dumbbells/adjustable dumbbells/dumbbell set/hex dumbbell ; weight_kg pack",
            "Yoga Mats": "yoga mat/exercise mat/non slip yoga mat ; thickness color",
            "Resistance Bands": "resistance bands/exercise bands/loop bands/pull up band ; pack color",
            "Exercise Bikes": "exercise bike/spin bike/indoor cycling bike ; bike_feat",
        },
        "Cycling": {
            "_": "color",
            "Bicycles": {
                "_": "frame_size wheel color",
                "Mountain Bikes": "mountain bike/mtb/hardtail mountain bike/full suspension mtb",
                "Road Bikes": "road bike/racing bike/gravel bike",
                "Electric Bikes": "electric bike/e-bike/ebike/electric hybrid bike ; frame_size battery_wh",
            },
            "Bike Helmets": "bike helmet/cycling helmet/mtb helmet ; helmet_size color",
            "Bike Parts": {
                "Bike Tyres": "tyre/bike tyre/tire/folding tyre ; tyre_size pack",
                "Bike Saddles": "saddle/bike saddle/road saddle ; saddle_width color",
            },
        },
        "Camping & Hiking": {
            "_": "color",
            "Tents": "tent/camping tent/dome tent/backpacking tent ; person",
            "Sleeping Bags": "sleeping bag/mummy sleeping bag/camping sleeping bag ; comfort_temp",
            "Hiking Backpacks": "hiking backpack/trekking rucksack/daypack/backpack ; volume_l color",
            "Camping Stoves": "camping stove/backpacking stove/gas stove/stove system",
        },
        "Team Sports": {
            "_": "ball_size",
            "Footballs": "football/soccer ball/match ball/training ball ; ball_size",
            "Basketballs": "basketball/indoor basketball/outdoor basketball/ball ; ball_size",
            "Football Boots": "football boots/boots/firm ground boots/soccer cleats ; shoe_size color",
        },
        "Golf": {
            "_": "",
            "Golf Clubs": {
                "_": "hand",
                "Drivers": "driver/golf driver ; loft hand shaft",
                "Irons": "iron set/irons/golf irons ; iron_set hand shaft",
                "Putters": "putter/golf putter ; putter_len hand",
            },
            "Golf Balls": "golf balls/balls/dozen golf balls ; ball_dozen color",
        },
        "Swimming": {
            "_": "color",
            "Swim Goggles": "swim goggles/goggles/swimming goggles ; lens_type color",
            "Swimsuits": "swimsuit/swimming costume/swim shorts/jammer ; clothing_size color",
        },
    },
    "Toys & Games": {
        "Building Toys": {
            "_": "age pieces",
            "Building Sets": "building set/building kit/construction set/bricks",
            "Marble Runs": "marble run/marble run set/marble track ; age",
        },
        "Dolls & Figures": {
            "_": "age",
            "Dolls": "doll/fashion doll/baby doll ; age",
            "Action Figures": "action figure/figure/collectible figure ; figure_size",
        },
        "Games & Puzzles": {
            "_": "age players",
            "Board Games": "board game/strategy game/family game/game",
            "Jigsaw Puzzles": "jigsaw puzzle/puzzle/jigsaw ; pieces",
        },
        "Outdoor Play": {
            "_": "age color",
            "Kids Scooters": "scooter/kids scooter/kick scooter/3 wheel scooter",
            "Trampolines": "trampoline/garden trampoline/trampoline with enclosure ; tramp_size",
            "Water Guns": "water gun/water blaster/super soaker/water pistol ; pack",
        },
        "Remote Control": {
            "_": "rc_scale color",
            "RC Cars": "rc car/remote control car/rc truck/monster truck",
            "RC Boats": "rc boat/remote control boat/speed boat",
        },
        "Soft Toys": {
            "_": "toy_size color",
            "Teddy Bears": "teddy bear/teddy/bear/plush bear",
            "Plush Animals": "plush toy/soft toy/stuffed animal/cuddly toy",
        },
    },
    "Beauty & Personal Care": {
        "Skin Care": {
            "_": "volume_ml skin_type",
            "Moisturisers": "moisturiser/moisturizer/face cream/day cream",
            "Serums": "serum/face serum/facial serum",
            "Cleansers": "cleanser/face wash/facial cleanser/cleansing gel",
            "Sunscreen": "sunscreen/sun cream/spf lotion/sunblock ; spf volume_ml",
        },
        "Hair Care": {
            "_": "volume_ml hair_type",
            "Shampoo": "shampoo/anti dandruff shampoo/clarifying shampoo",
            "Conditioner": "conditioner/hair conditioner/leave-in conditioner",
            "Hair Dryers": "hair dryer/hairdryer/blow dryer/ionic hair dryer ; power_w color",
            "Hair Straighteners": "hair straightener/straighteners/flat iron"
            "/ceramic straightener ; color temp_c",
        },
        "Makeup": {
            "_": "shade",
            "Foundation": "foundation/liquid foundation/matte foundation ; shade volume_ml",
            "Mascara": "mascara/volumising mascara/waterproof mascara ; shade",
            "Lipstick": "lipstick/liquid lipstick/lip colour/matte lipstick ; lip_shade",
            "Nail Polish": "nail polish/nail varnish/gel polish ; lip_shade volume_ml",
        },
        "Fragrance": {
            "_": "volume_ml",
            "Women's Perfume": "eau de parfum/perfume/womens perfume/edp spray",
            "Men's Fragrance": "eau de toilette/aftershave/cologne/edt spray",
        },
        "Oral Care": {
            "_": "",
            "Electric Toothbrushes": "electric toothbrush/rechargeable toothbrush/sonic toothbrush ; color",
            "Brush Heads": "brush heads/replacement heads/toothbrush heads/refills ; pack",
            "Toothpaste": "toothpaste/whitening toothpaste/fluoride toothpaste ; volume_ml pack",
        },
        "Shaving": {
            "_": "",
            "Electric Shavers": "electric shaver/foil shaver/rotary shaver/shaver ; shaver_feat",
            "Razor Blades": "razor blades/blade refills/cartridges/replacement blades ; pack",
            "Beard Trimmers": "beard trimmer/trimmer/hair clipper/grooming kit ; shaver_feat",
        },
    },
    "Grocery": {
        "Coffee & Tea": {
            "_": "weight_g",
            "Ground Coffee": "ground coffee/coffee/filter coffee ; weight_g roast",
            "Coffee Beans": "coffee beans/whole beans/whole bean coffee/espresso beans ; weight_kg roast",
            "Tea Bags": "tea bags/tea/teabags ; tea_count",
        },
        "Snacks": {
            "_": "weight_g pack",
            "Crisps": "crisps/chips/potato chips/crisps multipack ; flavour weight_g",
            "Chocolate": "chocolate/chocolate bar/dark chocolate/milk chocolate ; weight_g",
            "Protein Bars": "protein bar/protein bars/high protein bar ; flavour pack",
            "Biscuits": "biscuits/cookies/biscuit ; weight_g pack",
        },
        "Pantry": {
            "_": "weight_g pack",
            "Pasta": "pasta/spaghetti/penne/dried pasta ; weight_g pack",
            "Olive Oil": "olive oil/extra virgin olive oil/evoo ; capacity_l",
            "Breakfast Cereal": "cereal/breakfast cereal/granola/muesli ; weight_g",
        },
        "Beverages": {
            "_": "can_size pack",
            "Energy Drinks": "energy drink/energy drinks/can ; can_size pack",
            "Sparkling Water": "sparkling water/mineral water/sparkling mineral water ; bottle_size pack",
            "Juice": "juice/orange juice/apple juice/fruit juice ; capacity_l pack",
        },
    },
    "Garden & Outdoor": {
        "Garden Tools": {
            "_": "voltage",
            "Lawn Mowers": "lawn mower/lawnmower/cordless lawn mower/robot mower ; cut_cm voltage",
            "Hedge Trimmers": "hedge trimmer/cordless hedge trimmer/hedge cutter ; blade_cm voltage",
            "Pressure Washers": "pressure washer/jet wash/power washer ; bar power_w",
            "Garden Hoses": "garden hose/hose pipe/expandable hose/hose ; length color",
        },
        "Outdoor Furniture": {
            "_": "color material",
            "Garden Chairs": "garden chair/patio chair/folding chair/sun lounger ; pack color",
            "Parasols": "parasol/garden umbrella/cantilever parasol ; parasol_m color",
            "Garden Tables": "garden table/patio table/bistro table ; seats material",
        },
        "Barbecues": {
            "_": "color",
            "Gas Grills": "gas bbq/gas grill/gas barbecue ; burners color",
            "Charcoal Grills": "charcoal bbq/charcoal grill/kettle barbecue/barbecue ; grill_cm color",
            "BBQ Tools": "bbq tool set/grill tools/bbq tongs/grill brush ; pieces material",
        },
        "Plants & Seeds": {
            "_": "",
            "Seeds": "seeds/seed packet/vegetable seeds/flower seeds ; seed_count",
            "Plant Pots": "plant pot/planter/flower pot/indoor plant pot ; pot_cm color",
        },
    },
    "Automotive": {
        "Car Care": {
            "_": "volume_ml",
            "Car Wax": "car wax/paste wax/ceramic wax/liquid wax ; volume_ml",
            "Car Shampoo": "car shampoo/car wash/snow foam/wash and wax ; capacity_l",
        },
        "Car Electronics": {
            "_": "",
            "Dash Cams": "dash cam/dashcam/car camera/front and rear dash cam ; resolution",
            "GPS Navigators": "sat nav/gps/satnav/navigation system ; screen_small",
            "Jump Starters": "jump starter/battery booster/jump pack ; amps",
        },
        "Car Parts": {
            "_": "",
            "Wiper Blades": "wiper blades/wipers/windscreen wipers/wiper blade ; wiper_len pack",
            "Car Batteries": "car battery/battery/12v battery ; battery_ah",
            "Motor Oil": "engine oil/motor oil/fully synthetic oil ; oil_grade capacity_l",
            "Car Tyres": "tyre/car tyre/summer tyre/all season tyre ; car_tyre",
        },
    },
    "Office Products": {
        "Writing Supplies": {
            "_": "ink_colour pack",
            "Pens": "pen/ballpoint pen/gel pen/rollerball ; ink_colour pack",
            "Pencils": "pencil/pencils/graphite pencil/hb pencil ; hardness pack",
            "Highlighters": "highlighter/highlighters/highlighter pen ; pack",
        },
        "Paper Products": {
            "_": "paper",
            "Notebooks": "notebook/journal/notepad/hardcover notebook ; paper ruling color",
            "Printer Paper": "printer paper/copier paper/a4 paper/paper ream ; paper",
        },
        "Office Furniture": {
            "_": "color",
            "Office Chairs": "office chair/ergonomic chair/desk chair/task chair ; color material",
            "Gaming Chairs": "gaming chair/racing chair/gamer chair ; color",
            "Desks": "desk/standing desk/computer desk/sit stand desk ; desk_size color",
        },
        "Desk Accessories": {
            "_": "color",
            "Staplers": "stapler/heavy duty stapler/desk stapler ; sheets color",
            "Calculators": "calculator/scientific calculator/graphing calculator/desk calculator",
        },
    },
    "Pet Supplies": {
        "Dogs": {
            "_": "pet",
            "Dog Food": "dog food/dry dog food/wet dog food/kibble ; pet weight_kg flavour_pet",
            "Dog Treats": "dog treats/dental chews/dog chews/training treats ; pack pet",
            "Dog Beds": "dog bed/orthopedic dog bed/pet bed ; pet_size color",
            "Dog Toys": "dog toy/chew toy/ball/tug toy ; pet_size color",
        },
        "Cats": {
            "_": "pet",
            "Cat Food": "cat food/wet cat food/dry cat food/pouches ; pet weight_kg flavour_pet",
            "Cat Litter": "cat litter/clumping litter/litter ; capacity_l",
            "Cat Toys": "cat toy/interactive cat toy/teaser wand/catnip toy ; pack",
        },
        "Fish & Aquatics": {
            "_": "",
            "Aquariums": "aquarium/fish tank/aquarium kit ; tank_l color",
            "Aquarium Filters": "aquarium filter/external filter/internal filter ; tank_l",
            "Fish Food": "fish food/flakes/fish flakes/pellets ; capacity_ml",
        },
    },
    "Baby": {
        "Travel Gear": {
            "_": "color",
            "Strollers": "pushchair/stroller/pram/travel system ; color",
            "Car Seats": "car seat/infant car seat/booster seat/baby car seat ; car_seat_group color",
            "Baby Carriers": "baby carrier/carrier/baby sling ; color",
        },
        "Feeding": {
            "_": "",
            "Baby Bottles": "baby bottle/bottles/feeding bottle/anti-colic bottle ; capacity_ml pack",
            "High Chairs": "high chair/highchair/baby high chair ; color",
            "Baby Formula": "infant formula/baby milk/formula milk/follow on milk ; weight_g formula_stage",
        },
        "Nappies & Wipes": {
            "_": "",
            "Nappies": "nappies/diapers/nappy pants/baby nappies ; nappy_size count",
            "Baby Wipes": "baby wipes/wipes/water wipes ; wipes_pack",
        },
        "Baby Safety": {
            "_": "",
            "Baby Monitors": "baby monitor/video baby monitor/audio baby monitor ; screen_small",
            "Stair Gates": "stair gate/baby gate/safety gate/pressure fit gate ; gate_width color",
        },
    },
    "Tools & Home Improvement": {
        "Power Tools": {
            "_": "voltage tool_kit",
            "Cordless Drills": "cordless drill/drill driver/combi drill/hammer drill",
            "Circular Saws": "circular saw/cordless circular saw/plunge saw ; blade_mm voltage",
            "Angle Grinders": "angle grinder/grinder/cordless grinder ; disc_mm voltage",
            "Jigsaws": "jigsaw/cordless jigsaw/jig saw",
        },
        "Power Tool Accessories": {
            "_": "",
            "Drill Bits": "drill bit set/drill bits/hss drill bits/masonry bits ; pieces",
            "Power Tool Batteries": "battery/battery pack/li-ion battery"
            "/replacement battery ; battery_ahv pack",
        },
        "Hand Tools": {
            "_": "",
            "Screwdriver Sets": "screwdriver set/screwdrivers/precision screwdriver set/bit set ; pieces",
            "Hammers": "hammer/claw hammer/club hammer/mallet ; hammer_oz",
            "Tape Measures": "tape measure/measuring tape/tape ; tape_len",
        },
        "Lighting": {
            "_": "pack",
            "Light Bulbs": "light bulb/led bulb/bulbs/lightbulb ; bulb_fit bulb_watt pack",
            "Smart Bulbs": "smart bulb/wifi bulb/smart light bulb/colour bulb ; bulb_fit pack",
            "LED Strips": "led strip/led strip lights/light strip/tape light ; length",
        },
    },
}

# Accessory leaf -> the device leaf whose product lines its titles name ("case for iphone 15 pro").
ACCESSORY_OF: dict[str, str] = {
    "Phone Cases": "Smartphones",
    "Screen Protectors": "Smartphones",
    "Phone Chargers": "Smartphones",
    "Tablet Cases": "Tablets",
    "Laptop Sleeves": "Laptops",
    "Laptop Chargers": "Laptops",
    "Headphone Ear Pads": "Over-Ear Headphones",
    "Watch Straps": "Smartwatches",
    "Controllers": "Game Consoles",
    "Ink Cartridges": "Printers",
    "Tennis Strings": "Tennis Rackets",
    "Overgrips": "Tennis Rackets",
    "Blender Parts": "Blenders",
    "Coffee Pods": "Coffee Machines",
    "Vacuum Filters": "Vacuum Cleaners",
    "Brush Heads": "Electric Toothbrushes",
    "Power Tool Batteries": "Cordless Drills",
}

# Words that real marketplaces reuse in product lines of unrelated branches ("iPhone 15 Pro", "Pro Staff 97",
# "Pro 750" blender). Generated lines draw their modifiers from here, so these words carry no category.
SHARED_WORDS: tuple[str, ...] = ("pro", "air", "max", "mini", "ultra", "plus", "sport", "classic")
OTHER_MODIFIERS: tuple[str, ...] = ("lite", "go", "one", "neo", "elite", "prime", "evo", "x", "s", "se")

# Series names that generated product lines are built from; shared between brands on purpose.
STEMS = (
    "Aero Apex Arc Atlas Aura Axis Blaze Bolt Breeze Core Crest Drift Echo Edge Element Flex Flux Fusion "
    "Glide Halo Horizon Icon Ion Jet Key Lumen Luna Matrix Mono Nova Omni Onyx Orbit Pace Peak Pixel Pulse "
    "Quest Radiant Rapid Rise Sonic Spark Sprint Storm Strata Swift Terra Titan Trail Trek Vector Velo "
    "Vibe Vista Volt Vortex Wave Zen Zephyr Zoom Ridge Summit Glow Bloom Comfort Pure Smart Active Urban"
).split()

# Syllables for invented brand names ("Kelvix", "Lumora").
BRAND_HEADS = (
    "Vel Kor Lum Nex Tri Bri Cor Dyn Fal Gal Hex Jun Kai Mav Nor Ori Pax Quin Sol Tor Vio Wex Xan Yar "
    "Zor Ald Bex Cal Dor Eri Fen Gor Hal Ivo Jax Kel Lio Mer Nyl Opt Pel Rav Sev Tal Umb Ver Wyn Zel"
).split()
BRAND_TAILS = "ora ex ix io on ar a is en ity tek wave co aro ux ani elle ify tron vo za ly".split()
BRAND_SUFFIX_WORDS = ("", "", "", "", "", "", " & Co", " Brands")  # nothing that hints at a category

ATTRS: dict[str, str] = {
    "storage": "64gb|128gb|256gb|512gb|1tb|2tb|128 gb|256GB",
    "ram": "8gb ram|16gb ram|32gb ram|4gb ram|16 gb ram",
    "color": "black|white|silver|blue|red|green|pink|graphite|midnight|navy|grey|gold|purple|beige|"
    "space grey|titanium|cream|olive|charcoal|rose gold",
    "phone_feat": "5g|dual sim|unlocked|sim free|nfc|refurbished|eu version",
    "screen": '13.3"|14 inch|15.6"|16in|17.3 inch|11.6"|13 inch|14"',
    "screen_small": '5 inch|7"|4.3 inch|2.8" screen|5" hd',
    "tv_size": '43"|50 inch|55"|65in|75 inch|32"|85 inch|48"',
    "tv_feat": "4k uhd|hdr10+|dolby vision|120hz|smart tv|1080p|android tv|wifi",
    "audio_feat": "wireless|bluetooth|bluetooth 5.3|noise cancelling|anc|usb-c|dolby atmos|with mic",
    "camera_kit": "body only|with 18-55mm lens|kit|4k|5.3k|fly more combo|24mp",
    "lens_spec": "24-70mm f/2.8|50mm f1.8|70-200mm|18-55mm|85mm f/1.4|16-35mm",
    "watch_size": "41mm|45mm|42mm|46mm|40mm|44mm|47mm",
    "watt": "20w|65w|30w|100w|45w|25w|140w",
    "mah": "10000mah|20000mah|5000mah|26800mah|10000 mah",
    "length": "1m|2m|3m|6ft|10ft|15m|30m|5m",
    "pack": "2 pack|3 pack|pack of 2|pack of 4|set of 3|x2|6 pack|12 pack|2-pack|pack of 10",
    "material": "cotton|stainless steel|silicone|leather|aluminium|bamboo|tempered glass|nylon|polyester|"
    "wool|plastic|ceramic|glass|wood|tpu|carbon|cast iron|memory foam",
    "ports": "7-in-1|4 port|hdmi|usb-c|thunderbolt 4|11 in 1",
    "vram": "8gb gddr6|12gb gddr6x|16gb|24gb gddr6x|8gb",
    "cpu_spec": "8 core|6-core|am5|lga1700|boxed|tray|up to 5.4ghz",
    "ram_kit": "32gb (2x16gb)|16gb (2x8gb)|ddr5 6000mhz|ddr4 3200mhz|cl30|64gb kit",
    "layout": "uk layout|us layout|qwerty|tkl|60%|full size",
    "refresh": "144hz|165hz|60hz|240hz|ips|qhd|1ms",
    "printer_feat": "wireless|a4|duplex|colour|mono|wifi|scanner|copier",
    "ink_colour": "black|colour|tri-colour|cyan|magenta|yellow|blue|red|assorted",
    "wifi_spec": "ax3000|wifi 6|wifi 6e|ac1200|dual band|tri-band|mesh",
    "power_w": "1200w|800 w|1000w|1500w|2000w|2200w|600w|1800w",
    "capacity_l": "1.5l|2l|1l|1.7l|5.5l|4.5 litre|3l|0.6l|2 litre",
    "capacity_ml": "500ml|750ml|1l|350ml|600ml|250ml|330ml|1.2l",
    "volume_ml": "30ml|50ml|100ml|200 ml|250ml|400ml|75ml|150ml",
    "volume_l": "20l|25l|30 l|40l|55l|65l|28 litre",
    "count": "10 capsules|30 pods|50 count|100 pcs|120 count|40 capsules",
    "intensity": "intensity 8|intensity 11|decaf|ristretto|lungo|espresso",
    "cookware_size": "20cm|24cm|28cm|26 cm|16cm|30cm|5 piece set",
    "kitchen_feat": "non-stick|induction|dishwasher safe|oven safe|pfoa free|hard anodised",
    "blade_len": "20cm|8 inch|15cm|21cm|6 inch",
    "energy": "energy class a|class b|a+++|energy rating c|inverter",
    "load_kg": "8kg|9kg|10 kg|7kg|11kg",
    "spin": "1400 rpm|1200rpm|1600 rpm",
    "fridge_l": "355l|508 litre|600l|250l",
    "place_settings": "13 place settings|14 place|10 place settings",
    "runtime": "180 min|lidar|2700pa|self-emptying|with mop",
    "bed_size": "double|king size|single|super king|queen|140x200cm",
    "tog": "10.5 tog|13.5 tog|4.5 tog|15 tog",
    "scent": "lavender|vanilla|fresh linen|sandalwood|citrus|unscented|fig|cinnamon",
    "candle_size": "large jar|small jar|votive|411g|200g",
    "cushion_size": "45x45cm|50 x 50 cm|18 x 18 inch|30x50cm",
    "rug_size": "160x230cm|120x170 cm|200x290cm|60x220 runner",
    "clothing_size": "xs|s|m|l|xl|xxl|size m|large|small|medium|3xl",
    "apparel_feat": "slim fit|regular fit|breathable|waterproof|quick dry|organic cotton|oversized"
    "|relaxed fit",
    "waist": "w32 l32|30w 30l|w34|size 12|uk 10|28 short",
    "shoe_size": "uk 8|uk 9|eu 42|eu 38|us 10.5|size 7|uk 6.5|eu 44|size 11",
    "luggage_size": "cabin|medium|large|55cm|69 cm|check in",
    "lens_color": "polarised|g15|mirrored|gradient|tortoise",
    "racket_weight": "300g|285g|305 g|270g|315g|100sq in",
    "grip": "grip 2|grip 3|g2|4 3/8|l3|grip size 1",
    "head_size": "97 sq in|100 sq in|98|16x19|18x20",
    "ball_pack": "4 ball tube|3 balls|can of 3|72 balls|4 pack|box of 18",
    "gauge": "1.25mm|1.30 mm|16l|17 gauge|1.35mm",
    "string_len": "12m set|200m reel|12.2m|set",
    "racket_count": "6 racket|9 racket|12r|3 pack",
    "weight_kg": "1kg|2 kg|5kg|10kg|12.5kg|20kg|24kg|15 kg",
    "weight_g": "100g|250g|500g|200 g|1kg|150g|400g|45g",
    "thickness": "6mm|4mm|10mm|8 mm",
    "bike_feat": "magnetic resistance|bluetooth|32 levels|zwift compatible|folding",
    "frame_size": 'm|l|s|xl|54cm|56 cm|17.5in|19"',
    "wheel": '29"|27.5"|700c|26 inch|29er|650b',
    "battery_wh": "500wh|625wh|400wh|750 wh",
    "helmet_size": "m 54-58cm|l 58-62|one size|s|m",
    "tyre_size": "700x25c|29 x 2.4|700 x 28|27.5x2.25|26x1.95",
    "saddle_width": "143mm|155mm|130 mm",
    "person": "2 person|4 man|6 person|1 person|3 berth",
    "comfort_temp": "-5c|3 season|comfort 5c|-10 degrees|summer",
    "ball_size": "size 5|size 4|size 7|size 3|size 6",
    "hand": "right hand|left handed|rh|lh",
    "loft": "9 degree|10.5 deg|9°|12 degree",
    "shaft": "regular flex|stiff|graphite shaft|steel shaft",
    "iron_set": "4-pw|5-pw|5-sw|7 piece",
    "putter_len": '34"|35 inch|33"',
    "ball_dozen": "12 balls|dozen|24 pack|3 dozen",
    "lens_type": "mirrored|clear|tinted|anti fog|polarised",
    "age": "3+ years|ages 8-12|6+|for kids 5+|18+|age 4-7",
    "pieces": "500 pieces|1000 piece|250 pcs|120 pieces|1500 pc|42 piece",
    "figure_size": "6 inch|12 inch|30cm|15 cm",
    "players": "2-4 players|2-6 players|for 2 players|1-5 players",
    "tramp_size": "8ft|10 ft|12ft|14ft|6 ft",
    "rc_scale": "1:10|1:16|1/8 scale|rtr|brushless|2.4ghz",
    "toy_size": "30cm|small|large|18 inch|25 cm",
    "skin_type": "dry skin|oily skin|sensitive skin|all skin types|normal to dry",
    "spf": "spf 50|spf 30|spf50+|spf 15",
    "hair_type": "dry hair|damaged hair|curly hair|all hair types|coloured hair",
    "temp_c": "230c|235 degrees|185c-230c",
    "shade": "120 classic ivory|110 porcelain|02 natural|black|very black|brown|220 natural beige",
    "lip_shade": "ruby woo|nude|red|pink|coral|shade 15|berry",
    "shaver_feat": "wet & dry|cordless|rechargeable|with charging stand|5 attachments",
    "roast": "medium roast|dark roast|light roast|espresso roast|decaf",
    "tea_count": "80 tea bags|240 bags|40 count|100 pack|20 bags",
    "flavour": "sea salt|salt & vinegar|cheese & onion|chocolate|peanut butter|cookies & cream|"
    "salted caramel|original|sour cream",
    "can_size": "250ml|500ml can|330ml|473ml",
    "bottle_size": "750ml|1l|500ml|330ml glass",
    "voltage": "18v|20v max|12v|36v|40v|24v",
    "cut_cm": "32cm|37 cm|42cm|46cm",
    "blade_cm": "50cm|60 cm|45cm|55cm",
    "bar": "130 bar|110bar|145 bar|120 bar",
    "parasol_m": "2.7m|3m|3.5 m|2m",
    "seats": "4 seater|2 seater|6 seater|for 4",
    "burners": "3 burner|4 burner|2 burner|with side burner",
    "grill_cm": "57cm|47 cm|67cm",
    "seed_count": "100 seeds|approx 50 seeds|1000 seeds|25g",
    "pot_cm": "20cm|30 cm|12cm|40cm",
    "resolution": "1440p|4k|1080p|2.5k|with gps",
    "amps": "1000a|2000 amp|1500a|3000a",
    "wiper_len": '24"|16 inch|600mm|450mm|22"',
    "battery_ah": "096|075|60ah|70 ah|95ah|agm",
    "oil_grade": "5w-30|5w30|10w-40|0w-20|5w-40",
    "car_tyre": "205/55 r16 91v|225/45r17|195/65 r15|235/40 zr18",
    "hardness": "hb|2b|4h|6b|b",
    "paper": "a4|a5|80gsm|500 sheets|a4 80gsm|5 reams",
    "ruling": "dotted|lined|plain|squared|ruled",
    "desk_size": "120x60cm|140 x 70 cm|160x80cm|100cm",
    "sheets": "20 sheet|40 sheets|100 sheet",
    "pet": "adult|junior|light|senior|small breed|large breed|medium",
    "flavour_pet": "chicken|salmon|lamb & rice|beef|turkey|duck|tuna",
    "pet_size": "small|medium|large|xl|s|xxl",
    "tank_l": "60l|120 litre|200l|54l|180l",
    "car_seat_group": "group 0+|group 1|i-size|isofix|0-4 years|group 2/3",
    "formula_stage": "stage 1|stage 2|first infant milk|from birth|12+ months",
    "nappy_size": "size 1|size 3|size 4|size 5|newborn|size 6",
    "wipes_pack": "12 x 56|4 packs|720 wipes|9 x 60|64 wipes",
    "gate_width": "75-82cm|extending|76-85 cm",
    "tool_kit": "body only|bare unit|2 x 5.0ah|with battery and charger|in case|brushless",
    "blade_mm": "165mm|190mm|184 mm",
    "disc_mm": "115mm|125mm|125 mm",
    "battery_ahv": "5.0ah|4ah|2.0ah|18v 5ah|6.0ah",
    "hammer_oz": "16oz|20 oz|22oz|1.5kg",
    "tape_len": "5m|8m|3m|16ft|10m",
    "bulb_fit": "e27|b22|gu10|e14|bayonet",
    "bulb_watt": "60w equivalent|9w|5w|100w equiv|warm white",
}

# Abbreviations real sellers use; applied to type words and attributes of the noisy titles.
ABBREVIATIONS: dict[str, str] = {
    "wireless": "wrls",
    "bluetooth": "bt",
    "stainless steel": "ss",
    "pack": "pk",
    "black": "blk",
    "white": "wht",
    "with": "w/",
    "pieces": "pcs",
    "replacement": "repl",
    "inch": "in",
    "professional": "pro",
    "compatible": "compat",
}

REAL_BRANDS: dict[str, str] = {
    # Electronics and computers.
    "Apple": "Smartphones: iPhone 15 Pro, iPhone 15, iPhone 14 Plus, iPhone SE, iPhone 13 mini"
    " | Laptops: MacBook Air M2, MacBook Pro 14, MacBook Air 15 | Tablets: iPad Air, iPad Pro 12.9,"
    " iPad mini 6"
    " | Earbuds: AirPods Pro 2, AirPods 3 | Over-Ear Headphones: AirPods Max"
    " | Smartwatches: Watch Series 9, Watch Ultra 2, Watch SE | Watch Straps: Sport Loop, Solo Loop",
    "Samsung": "Smartphones: Galaxy S23 Ultra, Galaxy S24, Galaxy A54, Galaxy Z Flip5"
    " | Tablets: Galaxy Tab S9, Galaxy Tab A8 | Televisions: Neo QLED QN90C, Crystal UHD CU7100"
    " | Washing Machines: EcoBubble WW90T, Bespoke AI WW11BB | Smartwatches: Galaxy Watch6"
    " | Earbuds: Galaxy Buds2 Pro | Refrigerators | Memory Cards: EVO Plus, PRO Plus"
    " | Internal SSDs: 990 Pro, 870 EVO | Monitors: Odyssey G7",
    "Google": "Smartphones: Pixel 8 Pro, Pixel 7a | Smart Speakers: Nest Mini, Nest Audio"
    " | Smartwatches: Pixel Watch 2 | Earbuds: Pixel Buds Pro",
    "Huawei": "Smartphones: P60 Pro, Nova 11 | Smartwatches: Watch GT 4 | Tablets: MatePad 11"
    " | Laptops: MateBook D 15 | Earbuds: FreeBuds Pro 3",
    "Xiaomi": "Smartphones: Redmi Note 13 Pro, Poco X6, 13T | Robot Vacuums: Robot Vacuum S10"
    " | Fitness Trackers: Smart Band 8 | Power Banks",
    "Motorola": "Smartphones: Moto G84, Edge 40 Neo, Razr 40 Ultra | Baby Monitors: VM483, PIP1610",
    "Nokia": "Basic Phones: 3310, 2660 Flip, 105 | Smartphones: G42",
    "Doro": "Basic Phones: 6820, 1380, 7010",
    "Ulefone": "Rugged Phones: Armor 21, Power Armor 18T",
    "Blackview": "Rugged Phones: BV9300, BV6200",
    "CAT": "Rugged Phones: S75, S62 Pro | Men's Shoes>Boots: Colorado, Second Shift",
    "OnePlus": "Smartphones: 12R, Nord CE3 Lite, Nord 3 | Earbuds: Buds Pro 2",
    "Spigen": "Phone Cases: Tough Armor, Ultra Hybrid, Liquid Air, Thin Fit "
    "| Screen Protectors: GlasTR EZ Fit"
    " | Watch Straps: Rugged Armor Band | Tablet Cases: Urban Fit",
    "OtterBox": "Phone Cases: Defender, Symmetry, Commuter | Screen Protectors: Amplify | Tablet Cases",
    "ESR": "Phone Cases: Classic Hybrid, Air Armor | Tablet Cases: Ascend Trifold | Screen Protectors",
    "Anker": "Power Banks: PowerCore 20000, 737 PowerBank | Phone Chargers: Nano 3, 735 Charger"
    " | Charging Cables: PowerLine III | Docking Stations: 555 USB-C Hub | Laptop Chargers: Prime 100W",
    "Belkin": "Phone Chargers: BoostCharge Pro | Screen Protectors: ScreenForce | Charging Cables"
    " | Docking Stations",
    "Amazon": "E-Readers: Kindle Paperwhite, Kindle Oasis, Kindle Scribe | Smart Speakers: Echo Dot,"
    " Echo Show 8"
    " | Tablets: Fire HD 10",
    "Kobo": "E-Readers: Clara 2E, Libra 2, Sage",
    "Sony": "Televisions: Bravia XR A80L, Bravia X90L | Over-Ear Headphones: WH-1000XM5, WH-CH720N"
    " | Earbuds: WF-1000XM5 | Digital Cameras: Alpha 7 IV, ZV-E10 | Camera Lenses: FE 24-70mm GM II"
    " | Game Consoles: PlayStation 5, PS5 Slim | Controllers: DualSense Edge, DualSense "
    "| Soundbars: HT-A7000",
    "LG": "Televisions: OLED evo C3, NanoCell | Washing Machines: TurboWash, AI DD | Refrigerators: InstaView"
    " | Monitors: UltraGear 27GP850, UltraFine | Soundbars",
    "TCL": "Televisions: C745, P635",
    "Hisense": "Televisions: U7K, A6K | Refrigerators",
    "Bose": "Over-Ear Headphones: QuietComfort Ultra, QuietComfort 45 | Earbuds: QuietComfort Earbuds II"
    " | Bluetooth Speakers: SoundLink Flex, SoundLink Max | Soundbars: Smart Soundbar 600",
    "JBL": "Bluetooth Speakers: Flip 6, Charge 5, Go 3, Clip 4 | Earbuds: Tune 230NC"
    " | Over-Ear Headphones: Tune 760NC | Soundbars: Bar 5.0 | Gaming Headsets: Quantum 100"
    " | Aquarium Filters: CristalProfi e902",
    "Sonos": "Soundbars: Arc, Beam, Ray | Smart Speakers: Era 100, One SL",
    "Sennheiser": "Over-Ear Headphones: Momentum 4, HD 560S | Earbuds: Momentum True Wireless 3"
    " | Gaming Headsets",
    "Beats": "Earbuds: Studio Buds+, Powerbeats Pro, Fit Pro | Over-Ear Headphones: Studio Pro, Solo 4",
    "Geekria": "Headphone Ear Pads",
    "Epson": "Projectors: EH-TW7100, CO-FH02 | Printers: EcoTank ET-2850, Expression Home XP-2200"
    " | Ink Cartridges: 603XL, Claria Home",
    "XGIMI": "Projectors: Halo+, MoGo 2 Pro, Horizon Ultra",
    "Canon": "Digital Cameras: EOS R6 Mark II, EOS R50, PowerShot G7 X | Camera Lenses: RF 24-105mm, EF 50mm"
    " | Printers: PIXMA TS5350 | Ink Cartridges: PG-545",
    "Nikon": "Digital Cameras: Z6 II, Z fc, D7500 | Camera Lenses: Nikkor Z 50mm",
    "GoPro": "Action Cameras: HERO12 Black, HERO11 Mini",
    "DJI": "Action Cameras: Osmo Action 4 | Drones: Mini 4 Pro, Air 3, Avata 2",
    "SanDisk": "Memory Cards: Extreme Pro, Ultra | USB Flash Drives: Ultra Flair, Cruzer Blade"
    " | External Hard Drives: Extreme Portable",
    "Kingston": "Memory (RAM): Fury Beast | Internal SSDs: NV2, KC3000 "
    "| USB Flash Drives: DataTraveler Exodia"
    " | Memory Cards: Canvas Select Plus",
    "Garmin": "Smartwatches: Fenix 7, Forerunner 265, Venu 3 | Fitness Trackers: Vivosmart 5"
    " | GPS Navigators: DriveSmart 66 | Dash Cams: Dash Cam Mini 2",
    "Fitbit": "Fitness Trackers: Charge 6, Inspire 3 | Smartwatches: Versa 4, Sense 2",
    "Nintendo": "Game Consoles: Switch OLED, Switch Lite | Controllers: Switch Pro Controller, Joy-Con",
    "Microsoft": "Game Consoles: Xbox Series X, Xbox Series S | Controllers: Xbox Wireless Controller,"
    " Elite Series 2"
    " | Laptops: Surface Laptop 5 | Keyboards | Mice",
    "Lenovo": "Laptops: IdeaPad Slim 5, ThinkPad X1 Carbon | Gaming Laptops: Legion 5 Pro"
    " | Tablets: Tab P12, Tab M10 Plus | Chromebooks: IdeaPad Duet",
    "Dell": "Laptops: XPS 13, Inspiron 15, Latitude 7440 | Gaming Laptops: Alienware m16"
    " | Monitors: UltraSharp U2723QE | Docking Stations: WD19S | Laptop Chargers",
    "HP": "Laptops: Pavilion 15, EliteBook 840, Envy x360 | Printers: DeskJet 2720e, OfficeJet Pro 9010"
    " | Ink Cartridges: 305XL, 903XL | Chromebooks: Chromebook 14 | Monitors | Printer Paper",
    "ASUS": "Laptops: ZenBook 14, VivoBook 15 | Gaming Laptops: ROG Strix G16, TUF Gaming A15"
    " | Wi-Fi Routers: RT-AX58U, ZenWiFi XT8 | Graphics Cards: Dual RTX 4060 | Monitors: ProArt",
    "Acer": "Laptops: Aspire 5, Swift Go 14 | Gaming Laptops: Nitro 5, Predator Helios Neo"
    " | Chromebooks: Chromebook Plus 515 | Monitors: Nitro VG240Y",
    "Logitech": "Keyboards: MX Keys, K380, G915 | Mice: MX Master 3S, G502 Hero, M185"
    " | Gaming Headsets: G Pro X",
    "Razer": "Mice: DeathAdder V3, Basilisk | Keyboards: BlackWidow V4, Huntsman Mini"
    " | Gaming Headsets: BlackShark V2 | Gaming Laptops: Blade 15",
    "Corsair": "Memory (RAM): Vengeance RGB, Vengeance LPX | Keyboards: K70 RGB | Gaming Headsets: HS80",
    "MSI": "Graphics Cards: RTX 4070 Ventus, RTX 4060 Gaming X | Gaming Laptops: Katana 15 | Monitors",
    "AMD": "Processors: Ryzen 7 7800X3D, Ryzen 5 7600 | Graphics Cards: Radeon RX 7800 XT",
    "Intel": "Processors: Core i7-14700K, Core i5-13400F",
    "WD": "External Hard Drives: My Passport, Elements | Internal SSDs: Blue SN580, Black SN850X",
    "Seagate": "External Hard Drives: Expansion, One Touch | Internal SSDs: FireCuda 530",
    "TP-Link": "Wi-Fi Routers: Archer AX55, Deco X50 | Range Extenders: RE550, RE315 "
    "| Smart Bulbs: Tapo L530E",
    "Netgear": "Wi-Fi Routers: Nighthawk RAX50, Orbi RBK752 | Range Extenders: EX6120",
    "Case Logic": "Laptop Sleeves: Reflect, Huxton | Backpacks",
    "tomtoc": "Laptop Sleeves: 360 Protective, Versatile A13",
    # Home and kitchen.
    "Vitamix": "Blenders: E310 Explorian, A3500 Ascent, Pro 750 | Blender Parts: Low-Profile Container",
    "Ninja": "Blenders: Professional Plus, Blender & Soup Maker | Air Fryers: Foodi Max Dual Zone, AF100"
    " | Blender Parts",
    "NutriBullet": "Blenders: Pro 900, Ultra, Select | Blender Parts",
    "KitchenAid": "Stand Mixers: Artisan, Classic, Mini | Blenders: K400 | Kettles",
    "Breville": "Coffee Machines: Barista Express, Bambino Plus | Kettles | Blenders",
    "De'Longhi": "Coffee Machines: Magnifica S, Dedica | Kettles",
    "Nespresso": "Coffee Machines: Vertuo Next, Vertuo Pop, Essenza Mini | Coffee Pods: Vertuo Melozio,"
    " Ispirazione",
    "Philips": "Electric Toothbrushes: Sonicare 4100, DiamondClean 9000 | Brush Heads: C3 Premium Plaque"
    " | Electric Shavers: Series 9000 | Air Fryers: Airfryer XXL | Coffee Machines: LatteGo 3200"
    " | Smart Bulbs: Hue White | Light Bulbs: LED Classic, CorePro | Beard Trimmers",
    "Dyson": "Vacuum Cleaners: V15 Detect, V11 Absolute, V8 Origin | Hair Dryers: Supersonic"
    " | Hair Straighteners: Corrale | Vacuum Filters",
    "Shark": "Vacuum Cleaners: Stratos, Anti Hair Wrap | Robot Vacuums: AI Ultra",
    "iRobot": "Robot Vacuums: Roomba j7+, Roomba Combo i5",
    "Roborock": "Robot Vacuums: S8 Pro Ultra, Q7 Max",
    "Bosch": "Washing Machines: Serie 6, Serie 8 | Dishwashers: Serie 4 | Refrigerators"
    " | Cordless Drills: GSR 18V-55 | Jigsaws: PST 700 | Drill Bits | Lawn Mowers: Rotak 32"
    " | Hedge Trimmers: AdvancedHedgeCut 36 | Wiper Blades: Aerotwin | Car Batteries: S4 005",
    "Miele": "Washing Machines: WWD 320 | Dishwashers: G 7100 | Vacuum Cleaners: Complete C3, Boost CX1"
    " | Vacuum Filters: HyClean",
    "Beko": "Washing Machines: RecycledTub, AquaTech | Refrigerators | Dishwashers",
    "Hoover": "Vacuum Cleaners: H-Free 500, HF9 | Washing Machines: H-Wash 300",
    "Russell Hobbs": "Kettles: Inspire, Honeycomb | Air Fryers | Blenders",
    "Smeg": "Kettles: KLF03, Mini Kettle | Refrigerators: FAB28 | Stand Mixers: SMF03",
    "Tefal": "Frying Pans: Ingenio, Unlimited | Saucepans | Air Fryers: Easy Fry Grill, ActiFry",
    "Le Creuset": "Dutch Ovens: Signature Round, Signature Oval | Frying Pans: Toughened Non-Stick "
    "| Saucepans",
    "Lodge": "Dutch Ovens: Cast Iron Dutch Oven | Frying Pans: Cast Iron Skillet",
    "Zwilling": "Chef's Knives: Pro, Four Star | Frying Pans",
    "Victorinox": "Chef's Knives: Fibrox Pro, Swiss Classic",
    "Global": "Chef's Knives: G-2, G-48",
    "Chilly's": "Water Bottles: Series 2, Original | Travel Mugs: Coffee Cup",
    "Hydro Flask": "Water Bottles: Wide Mouth, Standard Mouth | Travel Mugs: Flex Sip",
    "Stanley": "Travel Mugs: Quencher, Classic Legendary | Water Bottles: IceFlow"
    " | Tape Measures: FatMax, PowerLock | Hammers: FatMax AntiVibe | Screwdriver Sets",
    "Sistema": "Food Storage Containers: Klip It, To Go",
    "IKEA": "Food Storage Containers: 365+ | Cushions | Rugs | Smart Bulbs: Tradfri | Desks: Bekant, Micke"
    " | Office Chairs: Markus | Duvets | Pillows",
    "Silentnight": "Duvets: Deep Sleep, Snug | Pillows: Anti-Allergy | Dog Beds",
    "Yankee Candle": "Candles: Clean Cotton, Midsummer's Night, Vanilla Cupcake",
    "Jo Malone": "Candles: Lime Basil & Mandarin | Women's Perfume: English Pear & Freesia",
    # Fashion and sport.
    "Nike": "Athletic Shoes>Running Shoes: Pegasus 40, Vomero 17, Invincible 3"
    " | Trail Running Shoes: Pegasus Trail 4 | Basketball Shoes: LeBron 21, Air Zoom GT Cut"
    " | Men's Shoes>Sneakers: Air Max 90, Air Force 1, Dunk Low | Women's Shoes>Running Shoes: React Infinity"
    " | T-Shirts: Dri-FIT Legend | Hoodies: Tech Fleece, Club Fleece | Football Boots: Mercurial Vapor 15"
    " | Footballs: Flight",
    "Adidas": "Athletic Shoes>Running Shoes: Ultraboost Light, Adizero Boston 12"
    " | Trail Running Shoes: Terrex Agravic | Men's Shoes>Sneakers: Samba OG, Stan Smith, Gazelle"
    " | Football Boots: Predator Accuracy, X Crazyfast | Footballs: UCL Pro | Leggings | Hoodies",
    "Asics": "Athletic Shoes>Running Shoes: Gel-Kayano 30, Gel-Nimbus 25, Novablast 4"
    " | Trail Running Shoes: Gel-Trabuco 11 | Women's Shoes>Running Shoes: Gel-Cumulus 25",
    "Hoka": "Athletic Shoes>Running Shoes: Clifton 9, Bondi 8 | Trail Running Shoes: Speedgoat 5,"
    " Challenger 7"
    " | Women's Shoes>Running Shoes: Mach 5",
    "Salomon": "Trail Running Shoes: Speedcross 6, Sense Ride 5 | Men's Shoes>Boots: X Ultra 4 Mid"
    " | Hiking Backpacks",
    "New Balance": "Athletic Shoes>Running Shoes: Fresh Foam 1080v13, FuelCell Rebel v3"
    " | Men's Shoes>Sneakers: 550, 574 | Women's Shoes>Sneakers: 530",
    "Puma": "Men's Shoes>Sneakers: Suede Classic, RS-X | Football Boots: Future Ultimate | T-Shirts",
    "Converse": "Men's Shoes>Sneakers: Chuck Taylor All Star, Chuck 70 "
    "| Women's Shoes>Sneakers: Run Star Hike",
    "Levi's": "Men's Clothing>Jeans: 501 Original, 511 Slim "
    "| Women's Clothing>Jeans: 721 High Rise Skinny, Ribcage"
    " | Men's Clothing>Jackets: Trucker | T-Shirts",
    "The North Face": "Men's Clothing>Jackets: Nuptse 1996, ThermoBall | Women's Clothing>Jackets"
    " | Hiking Backpacks: Terra 55 | Tents | Sleeping Bags",
    "Dr. Martens": "Men's Shoes>Boots: 1460, 2976 Chelsea | Women's Shoes>Boots: Jadon",
    "Crocs": "Sandals: Classic Clog, Crush",
    "Birkenstock": "Sandals: Arizona, Gizeh",
    "Ray-Ban": "Sunglasses: Wayfarer Classic, Aviator Classic, Clubmaster",
    "Casio": "Watches: G-Shock GA-2100, F-91W, Edifice | Calculators: fx-991EX Classwiz, fx-83GTX",
    "Samsonite": "Suitcases: Proxis, S'Cure | Backpacks: Guardit | Laptop Sleeves",
    "Herschel": "Backpacks: Little America, Heritage | Wallets",
    "Wilson": "Tennis Rackets: Pro Staff 97, Blade 98, Clash 100, Ultra 100 | Tennis Balls: US Open,"
    " Championship"
    " | Basketballs: Evolution, NBA Forge | Overgrips: Pro Overgrip | Tennis Bags | Golf Balls",
    "Head": "Tennis Rackets: Speed Pro, Radical MP, Gravity Tour, Extreme MP | Tennis Balls: ATP, Tour"
    " | Tennis Strings: Lynx Tour | Tennis Bags",
    "Babolat": "Tennis Rackets: Pure Drive, Pure Aero, Pure Strike | Tennis Strings: RPM Blast"
    " | Overgrips: VS Original | Tennis Bags",
    "Yonex": "Tennis Rackets: Ezone 100, Vcore 98, Percept 97 | Tennis Strings: Poly Tour Pro"
    " | Overgrips: Super Grap",
    "Luxilon": "Tennis Strings: ALU Power, Element",
    "Tecnifibre": "Tennis Rackets: TF40, T-Fight 305 | Tennis Strings: X-One Biphase, Black Code",
    "Spalding": "Basketballs: TF-1000 Legacy, React TF-250",
    "Molten": "Basketballs: BG4500, GG7X | Footballs: F5A3400",
    "Callaway": "Drivers: Paradym Ai Smoke, Rogue ST Max | Irons: Apex Pro, Big Bertha "
    "| Golf Balls: Chrome Soft",
    "TaylorMade": "Drivers: Stealth 2 Plus, Qi10 Max | Irons: P790 | Putters: Spider GT | Golf Balls: TP5",
    "Titleist": "Drivers: TSR2, TSR3 | Irons: T100 | Golf Balls: Pro V1, AVX",
    "Ping": "Drivers: G430 Max | Putters: Anser | Irons: i230",
    "Trek": "Mountain Bikes: Marlin 7, Fuel EX 8 | Road Bikes: Domane AL 2, Emonda SL 5 "
    "| Electric Bikes: Allant+ 7",
    "Specialized": "Mountain Bikes: Rockhopper, Stumpjumper | Road Bikes: Allez, Tarmac SL7"
    " | Electric Bikes: Turbo Vado 4.0 | Bike Helmets: Align II | Bike Saddles: Power Expert, Romin Evo",
    "Giant": "Mountain Bikes: Talon 2, Trance X | Road Bikes: Contend AR 3 | Electric Bikes: Explore E+",
    "Continental": "Bike Tyres: Grand Prix 5000, Gatorskin | Car Tyres: PremiumContact 7, EcoContact 6",
    "Schwalbe": "Bike Tyres: Marathon Plus, Big Apple, Pro One",
    "Michelin": "Bike Tyres: Power Cup | Car Tyres: Pilot Sport 5, CrossClimate 2, Primacy 4",
    "Coleman": "Tents: Darwin 4, Sundome | Sleeping Bags: Brazos | Camping Stoves: Classic Propane",
    "MSR": "Camping Stoves: PocketRocket 2, WindBurner | Tents: Hubba Hubba NX",
    "Jetboil": "Camping Stoves: Flash, MiniMo",
    "Osprey": "Hiking Backpacks: Atmos AG 65, Talon 22, Exos 58",
    "Speedo": "Swim Goggles: Futura Classic, Biofuse | Swimsuits: Endurance+ Medalist",
    "Arena": "Swim Goggles: Cobra Ultra, Air-Speed | Swimsuits: Powerskin",
    "Manduka": "Yoga Mats: PRO, PROlite",
    "Bowflex": "Dumbbells: SelectTech 552 | Exercise Bikes: VeloCore",
    "Peloton": "Exercise Bikes: Bike+",
    # Toys, beauty, grocery, garden, automotive, office, pets, baby, tools.
    "LEGO": "Building Sets: Technic, City, Star Wars, Friends, Duplo, Icons",
    "Ravensburger": "Jigsaw Puzzles: Disney Collector's Edition, Krypt | Board Games: Labyrinth"
    " | Marble Runs: GraviTrax Starter Set, GraviTrax Pro",
    "Hasbro": "Board Games: Monopoly Classic, Cluedo, Connect 4 | Action Figures: Marvel Legends"
    " | Water Guns: Nerf Super Soaker",
    "Mattel": "Dolls: Barbie Fashionistas, Barbie Extra | RC Cars: Hot Wheels RC",
    "Traxxas": "RC Cars: Slash 4X4, Maxx, Rustler | RC Boats: Spartan",
    "Micro": "Kids Scooters: Maxi Micro Deluxe, Mini Micro Deluxe",
    "Jellycat": "Teddy Bears: Bartholomew Bear | Plush Animals: Bashful Bunny, Amuseable",
    "Steiff": "Teddy Bears: Classic Teddy",
    "CeraVe": "Moisturisers: Moisturising Cream, PM Facial Lotion | Cleansers: Hydrating Cleanser,"
    " Foaming Cleanser"
    " | Serums: Resurfacing Retinol | Sunscreen: AM Facial Lotion",
    "La Roche-Posay": "Sunscreen: Anthelios UVMune 400 | Moisturisers: Toleriane Double Repair"
    " | Serums: Hyalu B5 | Cleansers: Effaclar",
    "The Ordinary": "Serums: Niacinamide 10% + Zinc 1%, Hyaluronic Acid 2% + B5 | Moisturisers",
    "Neutrogena": "Cleansers: Oil-Free Acne Wash | Sunscreen: Ultra Sheer "
    "| Moisturisers: Hydro Boost Water Gel",
    "L'Oreal Paris": "Shampoo: Elvive Extraordinary Oil | Conditioner: Elvive Dream Lengths"
    " | Foundation: True Match, Infallible 24H | Mascara: Lash Paradise, Telescopic | Lipstick: Color Riche",
    "Maybelline": "Mascara: Lash Sensational, Sky High | Foundation: Fit Me, SuperStay 30H"
    " | Lipstick: SuperStay Matte Ink",
    "Essie": "Nail Polish: Gel Couture, Expressie",
    "OPI": "Nail Polish: Infinite Shine, Nail Lacquer",
    "Pantene": "Shampoo: Pro-V Repair & Protect | Conditioner: Pro-V Miracles",
    "Head & Shoulders": "Shampoo: Classic Clean, Supreme | Conditioner",
    "GHD": "Hair Straighteners: Platinum+, Gold, Chronos | Hair Dryers: Helios",
    "Remington": "Hair Straighteners: Keratin Protect | Hair Dryers: Pro-Air Turbo | Beard Trimmers: MB4000"
    " | Electric Shavers: F5 Style",
    "BaByliss": "Hair Dryers: Hydro-Fusion, Super Pro 2000 | Hair Straighteners: Sleek Finish"
    " | Beard Trimmers: Super-X Metal",
    "Chanel": "Women's Perfume: Coco Mademoiselle, No 5 | Men's Fragrance: Bleu",
    "Dior": "Men's Fragrance: Sauvage, Homme Intense | Women's Perfume: J'adore, Miss Dior",
    "Hugo Boss": "Men's Fragrance: Boss Bottled, The Scent",
    "Oral-B": "Electric Toothbrushes: Pro 3, iO Series 9, Vitality Pro | Brush Heads: CrossAction,"
    " Precision Clean",
    "Colgate": "Toothpaste: Total Whitening, Max Fresh, Optic White",
    "Sensodyne": "Toothpaste: Pronamel, Repair & Protect",
    "Gillette": "Razor Blades: Fusion5 ProGlide, Mach3 | Electric Shavers",
    "Braun": "Electric Shavers: Series 9 Pro, Series 7 | Beard Trimmers: BT5 | Hair Dryers: Satin Hair 7",
    "Lavazza": "Ground Coffee: Qualita Rossa, Crema e Gusto | Coffee Beans: Super Crema, Qualita Oro"
    " | Coffee Pods: A Modo Mio Passionale",
    "Illy": "Coffee Beans: Classico, Intenso | Ground Coffee: Classico Moka",
    "Starbucks": "Coffee Beans: Pike Place, Veranda Blend | Coffee Pods: by Nespresso Colombia",
    "Twinings": "Tea Bags: English Breakfast, Earl Grey, Lady Grey",
    "Yorkshire Tea": "Tea Bags: Gold, Decaf",
    "Walkers": "Crisps: Ready Salted, Max Paprika, Sensations",
    "Pringles": "Crisps: Original, Sour Cream & Onion",
    "Kettle": "Crisps: Sea Salt & Crushed Black Peppercorns, Sweet Chilli",
    "Lindt": "Chocolate: Excellence 70% Cocoa, Lindor",
    "Cadbury": "Chocolate: Dairy Milk, Twirl | Biscuits: Fingers",
    "Grenade": "Protein Bars: Carb Killa",
    "McVitie's": "Biscuits: Digestives, Hobnobs, Jaffa Cakes",
    "Barilla": "Pasta: Spaghetti n.5, Penne Rigate, Fusilli",
    "Filippo Berio": "Olive Oil: Extra Virgin, Classico",
    "Kellogg's": "Breakfast Cereal: Corn Flakes, Crunchy Nut, Special K",
    "Red Bull": "Energy Drinks: Original, Sugarfree, Red Edition",
    "Monster": "Energy Drinks: Ultra White, Mango Loco",
    "San Pellegrino": "Sparkling Water: Natural Mineral Water | Juice: Aranciata",
    "Tropicana": "Juice: Original Smooth, Orange with Bits",
    "Flymo": "Lawn Mowers: Hover Vac 250, EasiStore 380R",
    "Husqvarna": "Lawn Mowers: Automower 305, LC 140S | Hedge Trimmers: 122HD60",
    "Karcher": "Pressure Washers: K2 Power Control, K4 Full Control, K5 Premium | Garden Hoses",
    "Gardena": "Garden Hoses: Comfort FLEX, Classic | Lawn Mowers",
    "Weber": "Gas Grills: Spirit II E-310, Genesis E-325s | Charcoal Grills: Master-Touch, Original Kettle"
    " | BBQ Tools: Premium Tool Set",
    "Outsunny": "Garden Chairs | Parasols | Garden Tables",
    "Meguiar's": "Car Wax: Ultimate Liquid Wax, Gold Class | Car Shampoo: Gold Class Car Wash",
    "Turtle Wax": "Car Wax: Hybrid Solutions Ceramic, Ice | Car Shampoo: Zip Wax",
    "Nextbase": "Dash Cams: 622GW, 322GW, iQ",
    "TomTom": "GPS Navigators: GO Classic, GO Superior, GO Camper Max",
    "NOCO": "Jump Starters: Boost Plus GB40, Boost X GBX45",
    "Varta": "Car Batteries: Blue Dynamic E11, Silver Dynamic AGM",
    "Castrol": "Motor Oil: EDGE, Magnatec",
    "Shell": "Motor Oil: Helix Ultra, Helix HX7",
    "Pirelli": "Car Tyres: P Zero, Cinturato P7, Scorpion Verde",
    "BIC": "Pens: Cristal Original, 4 Colours | Highlighters: Highlighter XL | Pencils: Evolution",
    "Pilot": "Pens: G2 07, FriXion Ball, V5 Hi-Tecpoint",
    "Stabilo": "Highlighters: Boss Original, Swing Cool | Pens: Point 88",
    "Staedtler": "Pencils: Noris HB, Mars Lumograph | Pens: Triplus Fineliner",
    "Moleskine": "Notebooks: Classic Hardcover, Cahier Journal",
    "Leuchtturm1917": "Notebooks: Medium A5 Dotted",
    "Navigator": "Printer Paper: Universal, Expression",
    "Herman Miller": "Office Chairs: Aeron, Embody, Sayl",
    "Secretlab": "Gaming Chairs: TITAN Evo, OMEGA",
    "Flexispot": "Desks: E7 Pro, E5",
    "Rexel": "Staplers: Choices, Omnipress 30",
    "Texas Instruments": "Calculators: TI-84 Plus CE, TI-30XS MultiView, TI-Nspire CX II",
    "Royal Canin": "Dog Food: Medium Adult, Mini Puppy, Maxi Adult | Cat Food: Indoor 27, Sterilised 37",
    "Purina": "Dog Food: Pro Plan, Beta | Cat Food: Felix As Good As It Looks, Gourmet Perle"
    " | Dog Treats: Dentalife, Bonio",
    "Pedigree": "Dog Food: Vital Protection | Dog Treats: Dentastix, Jumbone",
    "Whiskas": "Cat Food: 1+ Chicken in Jelly, Temptations",
    "KONG": "Dog Toys: Classic, Extreme, Wobbler | Cat Toys: Kickeroo",
    "Chuckit!": "Dog Toys: Ultra Ball, Classic Launcher",
    "Catsan": "Cat Litter: Hygiene Plus, Ultra Clumping",
    "Fluval": "Aquariums: Flex 57L, Spec V | Aquarium Filters: 307, U4",
    "Tetra": "Fish Food: TetraMin, Pro Energy | Aquarium Filters: EasyCrystal 600",
    "Eheim": "Aquarium Filters: Classic 250, Professionel 5e",
    "Joie": "Strollers: Litetrax 4, Mytrax Pro | Car Seats: i-Spin 360, Every Stage "
    "| High Chairs: Mimzy Spin",
    "Maxi-Cosi": "Car Seats: Pebble 360 Pro, CabrioFix i-Size | Strollers: Leona",
    "Cybex": "Strollers: Balios S Lux, Eezy S Twist+ 2 | Car Seats: Sirona Z2, Cloud T",
    "Bugaboo": "Strollers: Fox 5, Butterfly, Dragonfly",
    "BabyBjorn": "Baby Carriers: Harmony, Mini, One",
    "Ergobaby": "Baby Carriers: Omni 360, Embrace",
    "Tommee Tippee": "Baby Bottles: Closer to Nature, Anti-Colic Advanced",
    "Philips Avent": "Baby Bottles: Natural Response, Anti-colic | Baby Monitors: SCD 843",
    "Aptamil": "Baby Formula: First Infant Milk, Follow On Milk, Profutura",
    "SMA": "Baby Formula: Pro First Infant Milk, Little Steps",
    "Pampers": "Nappies: Baby-Dry, Premium Protection, Harmonie | Baby Wipes: Sensitive, Aqua Pure",
    "Huggies": "Nappies: Little Snugglers, Little Movers | Baby Wipes: Pure, Natural Care",
    "WaterWipes": "Baby Wipes: Original, Sensitive",
    "Stokke": "High Chairs: Tripp Trapp, Clikk | Strollers: Xplory X",
    "Nanit": "Baby Monitors: Pro, Plus",
    "DeWalt": "Cordless Drills: DCD796, DCD791 XR | Circular Saws: DCS570 | Angle Grinders: DCG405"
    " | Jigsaws: DCS334 | Power Tool Batteries: DCB184 XR, DCB182 | Drill Bits: Extreme, Flextorq",
    "Makita": "Cordless Drills: DHP482, DHP485 | Circular Saws: DHS680 | Angle Grinders: GA5030"
    " | Jigsaws: DJV182 | Power Tool Batteries: BL1850B LXT",
    "Milwaukee": "Cordless Drills: M18 FPD3 | Power Tool Batteries: M18 HB5.5 | Tape Measures: Pro Compact"
    " | Angle Grinders",
    "Ryobi": "Cordless Drills | Power Tool Batteries | Lawn Mowers | Hedge Trimmers | Pressure Washers",
    "Wera": "Screwdriver Sets: Kraftform Plus, Kraftform Kompakt",
    "Estwing": "Hammers: E3-16C, Sure Strike",
    "Govee": "LED Strips: RGBIC, M1 | Smart Bulbs",
}
