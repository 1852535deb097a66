/** Word pools for the demo outdoor-gear store. Fictional brands and people; nothing here is a real offer. */

export const BRANDS = [
  { name: 'Ridgeline', code: 'RDG' },
  { name: 'Alpenglow Works', code: 'ALP' },
  { name: 'Cairn & Co', code: 'CRN' },
  { name: 'Northbound', code: 'NBD' },
  { name: 'Timberwolf Gear', code: 'TWG' },
  { name: 'Summit Forge', code: 'SMF' },
] as const;

export const MODEL_NAMES = [
  'Stormfront', 'Talus', 'Basecamp', 'Switchback', 'Cirque', 'Headwall', 'Scree', 'Couloir', 'Tarn', 'Arete',
  'Moraine', 'Ponderosa', 'Kestrel', 'Granite', 'Tundra', 'Sierra', 'Cascade', 'Boulder', 'Zephyr', 'Ember',
  'Glacier', 'Fjord', 'Canyon', 'Meridian', 'Vista', 'Traverse', 'Horizon', 'Lichen', 'Aspen', 'Saddle',
] as const;

export const COLORS = ['Black', 'Slate Blue', 'Forest Green', 'Ember Orange', 'Sand', 'Storm Grey', 'Deep Red', 'Glacier Blue'] as const;

export interface CategorySpec {
  key: string;
  noun: string;
  google: { id: string; path: string };
  merchant: string;
  /** USD price range in cents. */
  price: [number, number];
  options: 'apparel' | 'footwear' | 'capacity' | 'pack' | 'color' | 'none';
  weightGrams: [number, number];
  features: string[];
  uses: string[];
  material: string[];
  reviewTitles: string[];
  reviewBodies: string[];
  tags: string[];
}

const APPAREL_REVIEWS = [
  'Fits true to size with room for a light layer underneath.',
  'Wore it for a week of wet weather on the coast and stayed dry and comfortable.',
  'The hood adjusts easily with one hand, even with gloves on.',
  'Sleeves are a touch long for me, but that helps when reaching overhead on scrambles.',
  'Packs down small enough to live in my daypack all season.',
  'The pockets sit above a hipbelt, which is exactly what I wanted.',
  'Colour is a bit darker than the photos, still looks great.',
  'Breathes better than my old jacket on steep climbs.',
];

const GEAR_REVIEWS = [
  'Set up in a few minutes on the first try, even in wind.',
  'Held up through three nights of steady rain without a drip.',
  'Lighter than I expected for the amount of space inside.',
  'Build quality is excellent; the seams and zips feel solid.',
  'A little pricey, but it has replaced two pieces of older gear for me.',
  'Exactly as described and arrived two days early.',
  'After a season of use it still looks new.',
  'Customer support helped me pick the right size before I ordered.',
];

export const CATEGORIES: CategorySpec[] = [
  {
    key: 'rain-jacket',
    noun: 'Rain Jacket',
    google: { id: '5598', path: 'Apparel & Accessories > Clothing > Outerwear > Coats & Jackets' },
    merchant: 'Clothing > Jackets > Rain Jackets',
    price: [12900, 34900],
    options: 'apparel',
    weightGrams: [280, 520],
    features: [
      'a three-layer waterproof and breathable membrane rated to 20,000 mm',
      'fully taped seams',
      'pit zips for fast venting on climbs',
      'a helmet-compatible hood with a laminated brim',
      'two hand pockets placed above a pack hipbelt',
      'a chest pocket sized for a phone or map',
      'adjustable hook-and-loop cuffs',
      'a drop hem that keeps water off the seat of your pants',
    ],
    uses: ['backpacking in shoulder season', 'wet day hikes', 'commuting by bike', 'alpine scrambles'],
    material: ['recycled nylon ripstop', 'PFC-free durable water repellent finish'],
    reviewTitles: ['Stayed dry all day', 'Great shell', 'Worth the price', 'Good but runs long'],
    reviewBodies: APPAREL_REVIEWS,
    tags: ['waterproof', 'breathable', 'packable', 'hooded'],
  },
  {
    key: 'down-jacket',
    noun: 'Down Jacket',
    google: { id: '5598', path: 'Apparel & Accessories > Clothing > Outerwear > Coats & Jackets' },
    merchant: 'Clothing > Jackets > Insulated Jackets',
    price: [17900, 42900],
    options: 'apparel',
    weightGrams: [310, 640],
    features: [
      '800-fill-power responsibly sourced goose down',
      'a water-resistant shell fabric that sheds light snow',
      'baffles sewn to keep insulation from shifting',
      'an insulated hood that fits under a helmet',
      'zippered hand pockets lined with soft tricot',
      'a stuff sack built into the chest pocket',
      'elastic cuffs that seal out drafts',
    ],
    uses: ['cold camp evenings', 'winter city days', 'belay stances', 'ski touring breaks'],
    material: ['recycled polyester shell', 'goose down insulation'],
    reviewTitles: ['Seriously warm', 'My winter favourite', 'Light and cosy', 'Great warmth for the weight'],
    reviewBodies: APPAREL_REVIEWS,
    tags: ['insulated', 'down', 'packable', 'winter'],
  },
  {
    key: 'fleece',
    noun: 'Fleece Pullover',
    google: { id: '5598', path: 'Apparel & Accessories > Clothing > Outerwear > Coats & Jackets' },
    merchant: 'Clothing > Midlayers > Fleece',
    price: [5900, 12900],
    options: 'apparel',
    weightGrams: [220, 410],
    features: [
      'grid fleece that traps warmth and dries quickly',
      'a half-zip neck for venting',
      'thumb loops that keep sleeves in place',
      'a zippered chest pocket',
      'flatlock seams that will not rub under a pack',
    ],
    uses: ['layering under a shell', 'cool mornings at camp', 'trail running in winter', 'everyday wear'],
    material: ['recycled polyester grid fleece'],
    reviewTitles: ['Perfect midlayer', 'Soft and warm', 'Use it every day'],
    reviewBodies: APPAREL_REVIEWS,
    tags: ['fleece', 'midlayer', 'breathable'],
  },
  {
    key: 'hiking-boot',
    noun: 'Hiking Boot',
    google: { id: '187', path: 'Apparel & Accessories > Shoes' },
    merchant: 'Footwear > Hiking Boots',
    price: [13900, 27900],
    options: 'footwear',
    weightGrams: [980, 1450],
    features: [
      'a waterproof leather and textile upper',
      'a lugged rubber outsole that grips wet rock',
      'a cushioned midsole for long days under load',
      'a protective rubber toe cap',
      'a gusseted tongue that keeps out grit',
      'lacing hardware that locks the heel in place on descents',
    ],
    uses: ['multi-day treks', 'rocky day hikes', 'muddy trails', 'light off-trail travel'],
    material: ['full-grain leather', 'recycled polyester mesh', 'rubber outsole'],
    reviewTitles: ['Comfortable out of the box', 'Great grip', 'Solid boots', 'Needed half a size up'],
    reviewBodies: [
      'No break-in needed; I did fifteen miles the first weekend without a blister.',
      'Grip on wet granite is confidence-inspiring.',
      'Kept my feet dry through several creek crossings.',
      'I usually wear a 10 and the 10.5 fits better with thick socks.',
      'Supportive on descents without feeling stiff.',
      'Heavier than trail runners, but my ankles thank me on rough ground.',
    ],
    tags: ['waterproof', 'hiking', 'boots', 'leather'],
  },
  {
    key: 'trail-runner',
    noun: 'Trail Running Shoe',
    google: { id: '187', path: 'Apparel & Accessories > Shoes' },
    merchant: 'Footwear > Trail Runners',
    price: [10900, 17900],
    options: 'footwear',
    weightGrams: [560, 720],
    features: [
      'a breathable engineered mesh upper',
      'a rock plate that protects against sharp stones',
      'a sticky rubber outsole with 4 mm lugs',
      'a roomy toe box for swelling feet on long runs',
      'a gaiter attachment point at the heel',
    ],
    uses: ['trail runs', 'fast hikes', 'ultralight backpacking', 'everyday training'],
    material: ['engineered mesh', 'EVA foam midsole', 'rubber outsole'],
    reviewTitles: ['Fast and grippy', 'Great for long runs', 'Love the fit'],
    reviewBodies: [
      'Light on the foot and still protective on rocky trails.',
      'Drains quickly after river crossings.',
      'The toe box is wide enough for my feet without feeling sloppy.',
      'Grip on loose dirt is better than my last pair.',
      'Ran a 50k in them with no hot spots.',
    ],
    tags: ['trail running', 'lightweight', 'shoes'],
  },
  {
    key: 'tent',
    noun: 'Backpacking Tent',
    google: { id: '1013', path: 'Sporting Goods > Outdoor Recreation > Camping & Hiking > Tents' },
    merchant: 'Camping > Tents',
    price: [19900, 64900],
    options: 'capacity',
    weightGrams: [1100, 2900],
    features: [
      'a freestanding aluminium pole frame that pitches in minutes',
      'a silicone-coated ripstop fly with a 1,500 mm hydrostatic head',
      'two doors and two vestibules so nobody climbs over anyone',
      'a bathtub floor that keeps groundwater out',
      'colour-coded clips and pole tips',
      'interior pockets and a gear loft',
      'reflective guylines for finding camp after dark',
    ],
    uses: ['three-season backpacking', 'bikepacking', 'canoe trips', 'car camping weekends'],
    material: ['silicone-coated nylon ripstop', 'DAC aluminium poles', 'no-see-um mesh'],
    reviewTitles: ['Easy pitch', 'Roomy for the weight', 'Survived a storm', 'Great two-person tent'],
    reviewBodies: GEAR_REVIEWS,
    tags: ['tent', 'backpacking', 'freestanding', '3-season'],
  },
  {
    key: 'backpack',
    noun: 'Backpack',
    google: { id: '3360', path: 'Luggage & Bags > Backpacks' },
    merchant: 'Packs > Backpacking Packs',
    price: [8900, 32900],
    options: 'pack',
    weightGrams: [780, 2200],
    features: [
      'an adjustable torso length to dial in the fit',
      'a ventilated suspended-mesh back panel',
      'a padded hipbelt with zippered pockets',
      'stretch side pockets that hold a 1-litre bottle',
      'a floating lid that expands for extra food',
      'a sleeping bag compartment with a divider',
      'ice axe and trekking pole attachments',
      'an included rain cover',
    ],
    uses: ['weekend backpacking', 'thru-hikes', 'hut-to-hut trips', 'travel'],
    material: ['recycled 210D nylon', 'aluminium frame stay', 'HDPE frame sheet'],
    reviewTitles: ['Carries heavy loads well', 'Super comfortable', 'Great organisation', 'My go-to pack'],
    reviewBodies: GEAR_REVIEWS,
    tags: ['backpack', 'hiking', 'adjustable'],
  },
  {
    key: 'sleeping-bag',
    noun: 'Sleeping Bag',
    google: { id: '1011', path: 'Sporting Goods > Outdoor Recreation > Camping & Hiking > Sleeping Bags' },
    merchant: 'Camping > Sleeping Bags',
    price: [14900, 44900],
    options: 'color',
    weightGrams: [650, 1600],
    features: [
      'a contoured hood with a cinch that seals in warmth',
      'a draft collar and zipper baffle',
      'a trapezoidal footbox that lets feet rest naturally',
      'an anti-snag two-way zipper',
      'a storage sack and a compression stuff sack',
    ],
    uses: ['three-season backpacking', 'cold nights at camp', 'hut trips'],
    material: ['recycled nylon shell', 'synthetic insulation'],
    reviewTitles: ['Warm and roomy', 'Great temperature rating', 'Sleeps warm'],
    reviewBodies: GEAR_REVIEWS,
    tags: ['sleeping bag', 'camping', 'insulated'],
  },
  {
    key: 'headlamp',
    noun: 'Headlamp',
    google: { id: '3006', path: 'Sporting Goods > Outdoor Recreation > Camping & Hiking > Camping Lights & Lanterns' },
    merchant: 'Accessories > Lighting',
    price: [2900, 8900],
    options: 'color',
    weightGrams: [70, 120],
    features: [
      'a 400-lumen flood and spot beam',
      'a red night-vision mode',
      'a USB-C rechargeable battery',
      'a lock mode that prevents it turning on in your pack',
      'IPX4 water resistance',
    ],
    uses: ['pre-dawn starts', 'camp chores', 'night running'],
    material: ['polycarbonate housing', 'elastic headband'],
    reviewTitles: ['Bright and light', 'Great battery life', 'Simple to use'],
    reviewBodies: GEAR_REVIEWS,
    tags: ['headlamp', 'rechargeable', 'lighting'],
  },
  {
    key: 'trekking-poles',
    noun: 'Trekking Poles',
    google: { id: '5648', path: 'Sporting Goods > Outdoor Recreation > Camping & Hiking > Hiking Poles' },
    merchant: 'Accessories > Trekking Poles',
    price: [6900, 17900],
    options: 'none',
    weightGrams: [380, 560],
    features: [
      'three-section carbon shafts',
      'external lever locks that adjust with gloves on',
      'cork grips that wick sweat',
      'interchangeable tips and snow baskets',
    ],
    uses: ['steep descents', 'river crossings', 'long days under load'],
    material: ['carbon fibre', 'cork', 'tungsten carbide tips'],
    reviewTitles: ['Saved my knees', 'Light and sturdy', 'Great locks'],
    reviewBodies: GEAR_REVIEWS,
    tags: ['trekking poles', 'carbon', 'hiking'],
  },
];

export const FIRST_NAMES = [
  'Maya', 'Jonas', 'Priya', 'Liam', 'Sofia', 'Mateo', 'Aiko', 'Noah', 'Elif', 'Owen', 'Chloe', 'Ravi', 'Greta', 'Diego',
  'Hana', 'Felix', 'Amara', 'Lucas', 'Ingrid', 'Tomas',
];

export const LAST_INITIALS = 'ABCDEFGHJKLMNPRSTW';

export const CERTIFICATIONS = [
  { name: 'bluesign® PRODUCT', certifier: 'bluesign technologies ag', url: 'https://www.bluesign.com/', prefix: 'BS' },
  { name: 'Fair Trade Certified™ sewing', certifier: 'Fair Trade USA', url: 'https://www.fairtradecertified.org/', prefix: 'FT' },
  { name: 'Responsible Down Standard', certifier: 'Textile Exchange', url: 'https://textileexchange.org/', prefix: 'RDS' },
] as const;
