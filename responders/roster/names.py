"""Name pools for the synthetic roster: cultures with their home countries, given names and family names."""

from __future__ import annotations

from typing import NamedTuple


class Culture(NamedTuple):
    id: str
    weight: float
    countries: tuple[str, ...]
    given: tuple[str, ...]
    family: tuple[str, ...]


def _t(words: str) -> tuple[str, ...]:
    return tuple(w.strip() for w in words.split(",") if w.strip())


CULTURES: tuple[Culture, ...] = (
    Culture("mashriq", 6, ("SYR", "LBN", "JOR", "PSE", "IRQ", "YEM"),
            _t("Ahmad, Omar, Khaled, Youssef, Rami, Tarek, Samir, Nour, Lina, Rania, Hala, Dima, Maya, Salma, Yara, Layla"),
            _t("Haddad, Khoury, Nasser, Mansour, Saleh, Awad, Darwish, Hamdan, Qasem, Abboud, Karam, Sabbagh, Zein, "
               "Hijazi, Farah, Issa")),
    Culture("north_africa_sudan", 5, ("EGY", "SDN", "LBY", "TUN", "DZA", "MAR"),
            _t("Mohamed, Mahmoud, Hassan, Amr, Karim, Hicham, Mehdi, Fatima, Amina, Nadia, Samira, Khadija, Asma, "
               "Imane, Yasmine, Sara"),
            _t("El Amrani, Benali, Bouzid, Mansouri, Chaouki, El Idrissi, Abdelrahman, Osman, Elhassan, Ibrahim, "
               "Mustafa, Ben Salah, Trabelsi, Gharbi, Hamdi, Elamin")),
    Culture("turkish", 3, ("TUR",),
            _t("Mehmet, Mustafa, Emre, Burak, Can, Murat, Selin, Elif, Zeynep, Ayşe, Deniz, Ebru, Gökhan, Seda, "
               "Hakan, Özlem"),
            _t("Yılmaz, Kaya, Demir, Şahin, Çelik, Yıldız, Aydın, Öztürk, Arslan, Doğan, Kılıç, Aslan, Koç, Kurt, "
               "Özdemir, Polat")),
    Culture("afghan_persian", 3, ("AFG", "IRN", "TJK"),
            _t("Farid, Habib, Jawad, Nasir, Wahid, Zalmai, Hamid, Mariam, Fereshteh, Laila, Shabnam, Nargis, "
               "Parwana, Roya, Soraya, Mahbooba"),
            _t("Ahmadzai, Karimi, Rahimi, Hosseini, Popal, Sultani, Wardak, Safi, Noori, Mohammadi, Azizi, Haidari, "
               "Rezaei, Jalali, Stanikzai, Barakzai")),
    Culture("nepali", 2, ("NPL",),
            _t("Sanjay, Bikash, Prakash, Ramesh, Binod, Suman, Dipak, Rajan, Nabin, Sunita, Sita, Anjali, Pooja, "
               "Kamala, Gita, Asmita"),
            _t("Shrestha, Thapa, Gurung, Tamang, Adhikari, Karki, Rai, Magar, Bhattarai, Poudel, Sharma, KC, Basnet, "
               "Limbu, Koirala, Maharjan")),
    Culture("bengali", 3, ("BGD",),
            _t("Rahim, Karim, Tanvir, Arif, Shafiq, Mahmud, Anisur, Imran, Jahid, Nasrin, Farhana, Sharmin, "
               "Taslima, Rumana, Sabina, Tahmina"),
            _t("Rahman, Hossain, Islam, Ahmed, Chowdhury, Uddin, Akter, Begum, Sarker, Khan, Hasan, Alam, Das, Roy, "
               "Siddique, Talukder")),
    Culture("south_asian", 5, ("IND", "PAK", "LKA"),
            _t("Arjun, Rohit, Vikram, Rahul, Bilal, Faisal, Nikhil, Imran, Priya, Ananya, Kavita, Deepa, Ayesha, "
               "Sana, Zainab, Meera"),
            _t("Sharma, Patel, Singh, Gupta, Iyer, Nair, Reddy, Khan, Qureshi, Malik, Hussain, Chaudhry, Menon, "
               "Perera, Joshi, Fernando")),
    Culture("filipino", 4, ("PHL",),
            _t("Jose, Juan, Mark, Jericho, Paolo, Ramon, Carlo, Noel, Maria, Ana, Rosario, Kristine, Angelica, Liza, "
               "Jasmine, Grace"),
            _t("Santos, Reyes, Cruz, Bautista, Ocampo, Garcia, Mendoza, Torres, Dela Cruz, Villanueva, Ramos, "
               "Aquino, Castillo, Navarro, Soriano, Pascual")),
    Culture("myanmar", 2, ("MMR",),
            _t("Aung, Kyaw, Min, Thet, Zaw, Myo, Htet, Ko, Hla, Nyein, Su, Thiri, Khin, Moe, Aye, Phyu"),
            _t("Myint, Oo, Naing, Htun, Lwin, Thant, Soe, Tun, Maung, Thein, Shwe, Zin, Win, Kyi, Hlaing, Nwe")),
    Culture("southeast_asian", 3, ("VNM", "IDN", "THA"),
            _t("Minh, Tuan, Duc, Quang, Budi, Agus, Hendra, Somchai, Anh, Huong, Lan, Linh, Siti, Dewi, Putri, "
               "Malee"),
            _t("Nguyen, Tran, Le, Pham, Hoang, Vu, Santoso, Wijaya, Saputra, Hidayat, Kusuma, Nugroho, Siregar, "
               "Srisuk, Chaiyaporn, Wongsa")),
    Culture("east_asian", 2, ("CHN", "KOR", "JPN"),
            _t("Wei, Jun, Hao, Lei, Min-jun, Dong-hyun, Hiroshi, Kenji, Fang, Mei, Ying, Jing, Seo-yeon, Eun-ji, "
               "Yuki, Sakura"),
            _t("Wang, Li, Zhang, Liu, Chen, Yang, Zhao, Huang, Kim, Lee, Park, Choi, Sato, Suzuki, Tanaka, "
               "Watanabe")),
    Culture("pacific", 2, ("PNG", "FJI", "SLB", "VUT", "WSM"),
            _t("John, Peter, Joseph, Michael, Paul, David, Samuel, Jacob, Mary, Grace, Ruth, Esther, Rose, Agnes, "
               "Martha, Lucy"),
            _t("Kila, Namaliu, Tapo, Wari, Kaupa, Kuman, Yalo, Bani, Kuri, Siaguru, Temu, Baria, Tuilagi, "
               "Nailatikau, Ratuva, Tamata")),
    Culture("sahel_west_africa_fr", 6, ("SEN", "MLI", "BFA", "NER", "TCD", "CIV", "GIN", "CMR", "TGO", "BEN"),
            _t("Mamadou, Ibrahima, Ousmane, Moussa, Abdoulaye, Seydou, Boubacar, Salif, Adama, Aminata, Fatoumata, "
               "Mariam, Awa, Aïssata, Kadiatou, Rokia"),
            _t("Diallo, Traoré, Coulibaly, Ouédraogo, Sawadogo, Kaboré, Diop, Ndiaye, Sow, Keïta, Konaté, Camara, "
               "Touré, Sanogo, Zongo, Mahamat")),
    Culture("west_africa_en", 5, ("NGA", "GHA", "SLE", "LBR", "GMB"),
            _t("Chinedu, Oluwaseun, Adebayo, Kwame, Kofi, Emeka, Yaw, Tunde, Ibrahim, Ngozi, Ama, Abena, "
               "Funmilayo, Akosua, Hauwa, Efua"),
            _t("Okafor, Adeyemi, Mensah, Owusu, Boateng, Okonkwo, Eze, Bello, Abubakar, Asante, Nwosu, Osei, Darko, "
               "Kamara, Sesay, Jallow")),
    Culture("east_africa", 6, ("KEN", "UGA", "TZA", "ETH", "RWA", "SSD", "SOM"),
            _t("Otieno, Kamau, Mwangi, Amani, Baraka, Tesfaye, Abebe, Deng, Abdi, Wanjiru, Achieng, Njeri, Selam, "
               "Hirut, Halima, Nyabol"),
            _t("Ochieng, Kimani, Mutua, Wafula, Odhiambo, Njoroge, Mugisha, Nsubuga, Haile, Bekele, Tadesse, Girma, "
               "Garang, Warsame, Mohamud, Uwimana")),
    Culture("lusophone_africa", 2, ("MOZ", "AGO", "CPV", "GNB"),
            _t("João, António, Carlos, Manuel, Armando, Alberto, Filipe, Domingos, Maria, Ana, Fátima, Celeste, "
               "Graça, Luísa, Esperança, Teresa"),
            _t("Machava, Sitoe, Mondlane, Cossa, Nhantumbo, Tembe, Macuácua, Chissano, dos Santos, da Silva, "
               "Fernandes, Mabunda, Langa, Muianga, Guambe, Tivane")),
    Culture("central_africa", 3, ("COD", "CAF", "COG", "BDI"),
            _t("Jean-Pierre, Patrick, Serge, Christian, Didier, Fiston, Trésor, Olivier, Grâce, Chantal, Nadine, "
               "Espérance, Jeanne, Solange, Béatrice, Divine"),
            _t("Mukendi, Tshibanda, Ilunga, Mbuyi, Kasongo, Mulamba, Ndayishimiye, Niyonzima, Hakizimana, "
               "Bizimana, Nzeyimana, Kalonji, Mbala, Ngoy, Yakité, Mabiala")),
    Culture("hispanic_americas", 7, ("MEX", "SLV", "GTM", "HND", "COL", "PER", "ECU", "BOL", "VEN", "ARG", "CHL"),
            _t("Carlos, José, Luis, Jorge, Miguel, Alejandro, Fernando, Ricardo, María, Ana, Gabriela, Sofía, "
               "Daniela, Lucía, Valentina, Carmen"),
            _t("García, Hernández, López, Martínez, González, Rodríguez, Pérez, Sánchez, Ramírez, Flores, Torres, "
               "Rivera, Gómez, Díaz, Morales, Vargas")),
    Culture("brazilian", 2, ("BRA",),
            _t("Lucas, Rafael, Thiago, Felipe, Gustavo, Pedro, Bruno, Rodrigo, Mariana, Juliana, Camila, Beatriz, "
               "Larissa, Aline, Fernanda, Patrícia"),
            _t("Silva, Santos, Oliveira, Souza, Lima, Pereira, Costa, Ferreira, Rodrigues, Almeida, Carvalho, "
               "Gomes, Ribeiro, Martins, Araújo, Barbosa")),
    Culture("haitian", 1, ("HTI",),
            _t("Jean, Pierre, Jacques, Emmanuel, Wilner, Frantz, Jean-Robert, Ricardo, Marie, Rose, Nadège, Guerda, "
               "Mirlande, Marjorie, Nathalie, Sandra"),
            _t("Joseph, Jean-Baptiste, Pierre, Louis, Charles, Saint-Fleur, Dorvil, Alexis, Désir, Étienne, "
               "Baptiste, Augustin, Cadet, Noël, Lafortune, Thermidor")),
    Culture("iberian", 3, ("ESP", "PRT"),
            _t("Javier, Pablo, Sergio, Álvaro, Jordi, Iñaki, Raúl, Tiago, Lucía, Marta, Elena, Laura, Montserrat, "
               "Ainhoa, Nuria, Inês"),
            _t("García, Fernández, Martín, Jiménez, Ruiz, Navarro, Moreno, Romero, Alonso, Gutiérrez, Puig, "
               "Etxeberria, Castro, Ortega, Sousa, Pereira")),
    Culture("greek", 2, ("GRC", "CYP"),
            _t("Giorgos, Dimitris, Nikos, Kostas, Yannis, Panagiotis, Christos, Andreas, Maria, Eleni, Katerina, "
               "Sofia, Anna, Georgia, Vasiliki, Despina"),
            _t("Papadopoulos, Papadakis, Georgiou, Nikolaidis, Vlachos, Antoniou, Konstantinou, Dimitriou, "
               "Karagiannis, Oikonomou, Makris, Alexiou, Christodoulou, Ioannou, Pappas, Stavrou")),
    Culture("italian", 2, ("ITA",),
            _t("Marco, Luca, Alessandro, Matteo, Andrea, Davide, Stefano, Paolo, Giulia, Francesca, Chiara, Sara, "
               "Elena, Valentina, Martina, Federica"),
            _t("Rossi, Russo, Ferrari, Esposito, Bianchi, Romano, Colombo, Ricci, Marino, Greco, Bruno, Gallo, "
               "Conti, De Luca, Costa, Giordano")),
    Culture("french", 4, ("FRA", "BEL", "CHE"),
            _t("Julien, Nicolas, Antoine, Mathieu, Guillaume, Thomas, Pierre, Olivier, Camille, Claire, Sophie, "
               "Émilie, Céline, Aurélie, Hélène, Margaux"),
            _t("Martin, Bernard, Dubois, Thomas, Robert, Richard, Petit, Durand, Leroy, Moreau, Simon, Laurent, "
               "Lefebvre, Michel, Fournier, Girard")),
    Culture("germanic", 3, ("DEU", "AUT", "NLD"),
            _t("Lukas, Jonas, Felix, Maximilian, Jan, Tobias, Sebastian, Daniel, Anna, Laura, Lena, Julia, "
               "Katharina, Sarah, Lisa, Hannah"),
            _t("Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, de Vries, van Dijk, Jansen, "
               "Bakker, Huber, Gruber, Keller, Hoffmann")),
    Culture("nordic", 2, ("SWE", "NOR", "DNK", "FIN"),
            _t("Erik, Lars, Anders, Mikael, Johan, Henrik, Olav, Mikko, Ingrid, Sofia, Karin, Anna, Emma, Maja, "
               "Sigrid, Aino"),
            _t("Johansson, Andersson, Nilsson, Larsen, Hansen, Nielsen, Jensen, Olsen, Berg, Lindqvist, Korhonen, "
               "Virtanen, Eriksson, Karlsson, Dahl, Halvorsen")),
    Culture("anglophone", 5, ("GBR", "IRL", "USA", "CAN", "AUS", "NZL"),
            _t("James, Oliver, William, Daniel, Michael, Thomas, Andrew, Patrick, Emma, Sarah, Charlotte, Emily, "
               "Hannah, Rebecca, Claire, Siobhan"),
            _t("Smith, Johnson, Brown, Williams, Taylor, Wilson, O'Brien, Murphy, Walsh, Campbell, Stewart, "
               "Robinson, Clarke, Thompson, White, Kelly")),
    Culture("east_slavic_polish", 3, ("UKR", "POL", "RUS", "BLR", "MDA"),
            _t("Oleksandr, Andriy, Serhiy, Dmytro, Piotr, Tomasz, Mykola, Ivan, Olena, Iryna, Natalia, Kateryna, "
               "Anna, Agnieszka, Yulia, Svitlana"),
            _t("Shevchenko, Kovalenko, Bondarenko, Tkachenko, Kravchenko, Melnyk, Boyko, Koval, Kowalski, Nowak, "
               "Wiśniewski, Ivanov, Petrov, Lysenko, Moroz, Savchenko")),
    Culture("central_asian", 2, ("KAZ", "UZB", "KGZ"),
            _t("Aibek, Timur, Nurlan, Rustam, Bakhtiyor, Azamat, Sherzod, Erlan, Dilnoza, Aigerim, Gulnara, Madina, "
               "Zarina, Saule, Nodira, Kamila"),
            _t("Karimov, Abdullaev, Usmonov, Rakhimov, Sultanov, Akhmetov, Iskakov, Tursunov, Yusupov, Alimov, "
               "Kasymov, Bekov, Omarov, Zhumabayev, Ismailov, Nazarov")),
    Culture("balkan", 2, ("SRB", "BIH", "HRV", "MKD", "ALB", "XKX"),
            _t("Marko, Nikola, Stefan, Luka, Amir, Arben, Petar, Emir, Ana, Jelena, Milica, Ivana, Lejla, Drita, "
               "Maja, Elira"),
            _t("Jovanović, Petrović, Nikolić, Marković, Horvat, Kovačević, Hodžić, Begić, Krasniqi, Gashi, "
               "Berisha, Popović, Ilić, Stojanović, Babić, Hoxha")),
)
