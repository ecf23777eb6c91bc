from pydynox import Model
class C0(Model):
    pass
class C1(C0):
    pass
class C2(C1):
    pass
class C3(C2):
    pass
class C4(C3):
    pass
class C5(C4):
    pass
class C6(C5):
    pass
class C7(C6):
    pass
class C8(C7):
    pass
class C9(C8):
    pass
class C10(C9):
    pass
class C11(C10):
    pass
class C12(C11):
    pass
class C13(C12):
    pass
class C14(C13):
    pass
class C15(C14):
    pass
class C16(C15):
    pass
class C17(C16):
    pass
class C18(C17):
    pass
class C19(C18):
    pass
class C20(C19):
    pass
class C21(C20):
    pass
class C22(C21):
    pass
class C23(C22):
    pass
class C24(C23):
    pass
class C25(C24):
    pass
class C26(C25):
    pass
class C27(C26):
    pass
class C28(C27):
    pass
class C29(C28):
    pass
class C30(C29):
    pass
class C31(C30):
    pass
class C32(C31):
    pass
class C33(C32):
    pass
class C34(C33):
    pass
class C35(C34):
    pass
class C36(C35):
    pass
class C37(C36):
    pass
class C38(C37):
    pass
class C39(C38):
    pass
class C40(C39):
    pass
class C41(C40):
    pass
class C42(C41):
    pass
class C43(C42):
    pass
class C44(C43):
    pass
class C45(C44):
    pass
class C46(C45):
    pass
class C47(C46):
    pass
class C48(C47):
    pass
class C49(C48):
    pass
class C50(C49):
    pass
class C51(C50):
    pass
class C52(C51):
    pass
class C53(C52):
    pass
class C54(C53):
    pass
class C55(C54):
    pass
class C56(C55):
    pass
class C57(C56):
    pass
class C58(C57):
    pass
class C59(C58):
    pass
class C60(C59):
    pass
class C61(C60):
    pass
class C62(C61):
    pass
class C63(C62):
    pass
class C64(C63):
    pass
class C65(C64):
    pass
class C66(C65):
    pass
class C67(C66):
    pass
class C68(C67):
    pass
class C69(C68):
    pass
class C70(C69):
    pass
class C71(C70):
    pass
class C72(C71):
    pass
class C73(C72):
    pass
class C74(C73):
    pass
class C75(C74):
    pass
class C76(C75):
    pass
class C77(C76):
    pass
class C78(C77):
    pass
class C79(C78):
    pass
class C80(C79):
    pass
class C81(C80):
    pass
class C82(C81):
    pass
class C83(C82):
    pass
class C84(C83):
    pass
class C85(C84):
    pass
class C86(C85):
    pass
class C87(C86):
    pass
class C88(C87):
    pass
class C89(C88):
    pass
class C90(C89):
    pass
class C91(C90):
    pass
class C92(C91):
    pass
class C93(C92):
    pass
class C94(C93):
    pass
class C95(C94):
    pass
class C96(C95):
    pass
class C97(C96):
    pass
class C98(C97):
    pass
class C99(C98):
    pass
class C100(C99):
    pass
class C101(C100):
    pass
class C102(C101):
    pass
class C103(C102):
    pass
class C104(C103):
    pass
class C105(C104):
    pass
class C106(C105):
    pass
class C107(C106):
    pass
class C108(C107):
    pass
class C109(C108):
    pass
class C110(C109):
    pass
class C111(C110):
    pass
class C112(C111):
    pass
class C113(C112):
    pass
class C114(C113):
    pass
class C115(C114):
    pass
class C116(C115):
    pass
class C117(C116):
    pass
class C118(C117):
    pass
class C119(C118):
    pass
class C120(C119):
    pass
class C121(C120):
    pass
class C122(C121):
    pass
class C123(C122):
    pass
class C124(C123):
    pass
class C125(C124):
    pass
class C126(C125):
    pass
class C127(C126):
    pass
class C128(C127):
    pass
class C129(C128):
    pass
class C130(C129):
    pass
class C131(C130):
    pass
class C132(C131):
    pass
class C133(C132):
    pass
class C134(C133):
    pass
class C135(C134):
    pass
class C136(C135):
    pass
class C137(C136):
    pass
class C138(C137):
    pass
class C139(C138):
    pass
class C140(C139):
    pass
class C141(C140):
    pass
class C142(C141):
    pass
class C143(C142):
    pass
class C144(C143):
    pass
class C145(C144):
    pass
class C146(C145):
    pass
class C147(C146):
    pass
class C148(C147):
    pass
class C149(C148):
    pass
class C150(C149):
    pass
class C151(C150):
    pass
class C152(C151):
    pass
class C153(C152):
    pass
class C154(C153):
    pass
class C155(C154):
    pass
class C156(C155):
    pass
class C157(C156):
    pass
class C158(C157):
    pass
class C159(C158):
    pass
class C160(C159):
    pass
class C161(C160):
    pass
class C162(C161):
    pass
class C163(C162):
    pass
class C164(C163):
    pass
class C165(C164):
    pass
class C166(C165):
    pass
class C167(C166):
    pass
class C168(C167):
    pass
class C169(C168):
    pass
class C170(C169):
    pass
class C171(C170):
    pass
class C172(C171):
    pass
class C173(C172):
    pass
class C174(C173):
    pass
class C175(C174):
    pass
class C176(C175):
    pass
class C177(C176):
    pass
class C178(C177):
    pass
class C179(C178):
    pass
class C180(C179):
    pass
class C181(C180):
    pass
class C182(C181):
    pass
class C183(C182):
    pass
class C184(C183):
    pass
class C185(C184):
    pass
class C186(C185):
    pass
class C187(C186):
    pass
class C188(C187):
    pass
class C189(C188):
    pass
class C190(C189):
    pass
class C191(C190):
    pass
class C192(C191):
    pass
class C193(C192):
    pass
class C194(C193):
    pass
class C195(C194):
    pass
class C196(C195):
    pass
class C197(C196):
    pass
class C198(C197):
    pass
class C199(C198):
    pass
class C200(C199):
    pass
class C201(C200):
    pass
class C202(C201):
    pass
class C203(C202):
    pass
class C204(C203):
    pass
class C205(C204):
    pass
class C206(C205):
    pass
class C207(C206):
    pass
class C208(C207):
    pass
class C209(C208):
    pass
class C210(C209):
    pass
class C211(C210):
    pass
class C212(C211):
    pass
class C213(C212):
    pass
class C214(C213):
    pass
class C215(C214):
    pass
class C216(C215):
    pass
class C217(C216):
    pass
class C218(C217):
    pass
class C219(C218):
    pass
class C220(C219):
    pass
class C221(C220):
    pass
class C222(C221):
    pass
class C223(C222):
    pass
class C224(C223):
    pass
class C225(C224):
    pass
class C226(C225):
    pass
class C227(C226):
    pass
class C228(C227):
    pass
class C229(C228):
    pass
class C230(C229):
    pass
class C231(C230):
    pass
class C232(C231):
    pass
class C233(C232):
    pass
class C234(C233):
    pass
class C235(C234):
    pass
class C236(C235):
    pass
class C237(C236):
    pass
class C238(C237):
    pass
class C239(C238):
    pass
class C240(C239):
    pass
class C241(C240):
    pass
class C242(C241):
    pass
class C243(C242):
    pass
class C244(C243):
    pass
class C245(C244):
    pass
class C246(C245):
    pass
class C247(C246):
    pass
class C248(C247):
    pass
class C249(C248):
    pass
class C250(C249):
    pass
class C251(C250):
    pass
class C252(C251):
    pass
class C253(C252):
    pass
class C254(C253):
    pass
class C255(C254):
    pass
class C256(C255):
    pass
class C257(C256):
    pass
class C258(C257):
    pass
class C259(C258):
    pass
class C260(C259):
    pass
class C261(C260):
    pass
class C262(C261):
    pass
class C263(C262):
    pass
class C264(C263):
    pass
class C265(C264):
    pass
class C266(C265):
    pass
class C267(C266):
    pass
class C268(C267):
    pass
class C269(C268):
    pass
class C270(C269):
    pass
class C271(C270):
    pass
class C272(C271):
    pass
class C273(C272):
    pass
class C274(C273):
    pass
class C275(C274):
    pass
class C276(C275):
    pass
class C277(C276):
    pass
class C278(C277):
    pass
class C279(C278):
    pass
class C280(C279):
    pass
class C281(C280):
    pass
class C282(C281):
    pass
class C283(C282):
    pass
class C284(C283):
    pass
class C285(C284):
    pass
class C286(C285):
    pass
class C287(C286):
    pass
class C288(C287):
    pass
class C289(C288):
    pass
class C290(C289):
    pass
class C291(C290):
    pass
class C292(C291):
    pass
class C293(C292):
    pass
class C294(C293):
    pass
class C295(C294):
    pass
class C296(C295):
    pass
class C297(C296):
    pass
class C298(C297):
    pass
class C299(C298):
    pass
class C300(C299):
    pass
class C301(C300):
    pass
class C302(C301):
    pass
class C303(C302):
    pass
class C304(C303):
    pass
class C305(C304):
    pass
class C306(C305):
    pass
class C307(C306):
    pass
class C308(C307):
    pass
class C309(C308):
    pass
class C310(C309):
    pass
class C311(C310):
    pass
class C312(C311):
    pass
class C313(C312):
    pass
class C314(C313):
    pass
class C315(C314):
    pass
class C316(C315):
    pass
class C317(C316):
    pass
class C318(C317):
    pass
class C319(C318):
    pass
class C320(C319):
    pass
class C321(C320):
    pass
class C322(C321):
    pass
class C323(C322):
    pass
class C324(C323):
    pass
class C325(C324):
    pass
class C326(C325):
    pass
class C327(C326):
    pass
class C328(C327):
    pass
class C329(C328):
    pass
class C330(C329):
    pass
class C331(C330):
    pass
class C332(C331):
    pass
class C333(C332):
    pass
class C334(C333):
    pass
class C335(C334):
    pass
class C336(C335):
    pass
class C337(C336):
    pass
class C338(C337):
    pass
class C339(C338):
    pass
class C340(C339):
    pass
class C341(C340):
    pass
class C342(C341):
    pass
class C343(C342):
    pass
class C344(C343):
    pass
class C345(C344):
    pass
class C346(C345):
    pass
class C347(C346):
    pass
class C348(C347):
    pass
class C349(C348):
    pass
class C350(C349):
    pass
class C351(C350):
    pass
class C352(C351):
    pass
class C353(C352):
    pass
class C354(C353):
    pass
class C355(C354):
    pass
class C356(C355):
    pass
class C357(C356):
    pass
class C358(C357):
    pass
class C359(C358):
    pass
class C360(C359):
    pass
class C361(C360):
    pass
class C362(C361):
    pass
class C363(C362):
    pass
class C364(C363):
    pass
class C365(C364):
    pass
class C366(C365):
    pass
class C367(C366):
    pass
class C368(C367):
    pass
class C369(C368):
    pass
class C370(C369):
    pass
class C371(C370):
    pass
class C372(C371):
    pass
class C373(C372):
    pass
class C374(C373):
    pass
class C375(C374):
    pass
class C376(C375):
    pass
class C377(C376):
    pass
class C378(C377):
    pass
class C379(C378):
    pass
class C380(C379):
    pass
class C381(C380):
    pass
class C382(C381):
    pass
class C383(C382):
    pass
class C384(C383):
    pass
class C385(C384):
    pass
class C386(C385):
    pass
class C387(C386):
    pass
class C388(C387):
    pass
class C389(C388):
    pass
class C390(C389):
    pass
class C391(C390):
    pass
class C392(C391):
    pass
class C393(C392):
    pass
class C394(C393):
    pass
class C395(C394):
    pass
class C396(C395):
    pass
class C397(C396):
    pass
class C398(C397):
    pass
class C399(C398):
    pass
class C400(C399):
    pass
class C401(C400):
    pass
class C402(C401):
    pass
class C403(C402):
    pass
class C404(C403):
    pass
class C405(C404):
    pass
class C406(C405):
    pass
class C407(C406):
    pass
class C408(C407):
    pass
class C409(C408):
    pass
class C410(C409):
    pass
class C411(C410):
    pass
class C412(C411):
    pass
class C413(C412):
    pass
class C414(C413):
    pass
class C415(C414):
    pass
class C416(C415):
    pass
class C417(C416):
    pass
class C418(C417):
    pass
class C419(C418):
    pass
class C420(C419):
    pass
class C421(C420):
    pass
class C422(C421):
    pass
class C423(C422):
    pass
class C424(C423):
    pass
class C425(C424):
    pass
class C426(C425):
    pass
class C427(C426):
    pass
class C428(C427):
    pass
class C429(C428):
    pass
class C430(C429):
    pass
class C431(C430):
    pass
class C432(C431):
    pass
class C433(C432):
    pass
class C434(C433):
    pass
class C435(C434):
    pass
class C436(C435):
    pass
class C437(C436):
    pass
class C438(C437):
    pass
class C439(C438):
    pass
class C440(C439):
    pass
class C441(C440):
    pass
class C442(C441):
    pass
class C443(C442):
    pass
class C444(C443):
    pass
class C445(C444):
    pass
class C446(C445):
    pass
class C447(C446):
    pass
class C448(C447):
    pass
class C449(C448):
    pass
class C450(C449):
    pass
class C451(C450):
    pass
class C452(C451):
    pass
class C453(C452):
    pass
class C454(C453):
    pass
class C455(C454):
    pass
class C456(C455):
    pass
class C457(C456):
    pass
class C458(C457):
    pass
class C459(C458):
    pass
class C460(C459):
    pass
class C461(C460):
    pass
class C462(C461):
    pass
class C463(C462):
    pass
class C464(C463):
    pass
class C465(C464):
    pass
class C466(C465):
    pass
class C467(C466):
    pass
class C468(C467):
    pass
class C469(C468):
    pass
class C470(C469):
    pass
class C471(C470):
    pass
class C472(C471):
    pass
class C473(C472):
    pass
class C474(C473):
    pass
class C475(C474):
    pass
class C476(C475):
    pass
class C477(C476):
    pass
class C478(C477):
    pass
class C479(C478):
    pass
class C480(C479):
    pass
class C481(C480):
    pass
class C482(C481):
    pass
class C483(C482):
    pass
class C484(C483):
    pass
class C485(C484):
    pass
class C486(C485):
    pass
class C487(C486):
    pass
class C488(C487):
    pass
class C489(C488):
    pass
class C490(C489):
    pass
class C491(C490):
    pass
class C492(C491):
    pass
class C493(C492):
    pass
class C494(C493):
    pass
class C495(C494):
    pass
class C496(C495):
    pass
class C497(C496):
    pass
class C498(C497):
    pass
class C499(C498):
    pass
class C500(C499):
    pass
class C501(C500):
    pass
class C502(C501):
    pass
class C503(C502):
    pass
class C504(C503):
    pass
class C505(C504):
    pass
class C506(C505):
    pass
class C507(C506):
    pass
class C508(C507):
    pass
class C509(C508):
    pass
class C510(C509):
    pass
class C511(C510):
    pass
class C512(C511):
    pass
class C513(C512):
    pass
class C514(C513):
    pass
class C515(C514):
    pass
class C516(C515):
    pass
class C517(C516):
    pass
class C518(C517):
    pass
class C519(C518):
    pass
class C520(C519):
    pass
class C521(C520):
    pass
class C522(C521):
    pass
class C523(C522):
    pass
class C524(C523):
    pass
class C525(C524):
    pass
class C526(C525):
    pass
class C527(C526):
    pass
class C528(C527):
    pass
class C529(C528):
    pass
class C530(C529):
    pass
class C531(C530):
    pass
class C532(C531):
    pass
class C533(C532):
    pass
class C534(C533):
    pass
class C535(C534):
    pass
class C536(C535):
    pass
class C537(C536):
    pass
class C538(C537):
    pass
class C539(C538):
    pass
class C540(C539):
    pass
class C541(C540):
    pass
class C542(C541):
    pass
class C543(C542):
    pass
class C544(C543):
    pass
class C545(C544):
    pass
class C546(C545):
    pass
class C547(C546):
    pass
class C548(C547):
    pass
class C549(C548):
    pass
class C550(C549):
    pass
class C551(C550):
    pass
class C552(C551):
    pass
class C553(C552):
    pass
class C554(C553):
    pass
class C555(C554):
    pass
class C556(C555):
    pass
class C557(C556):
    pass
class C558(C557):
    pass
class C559(C558):
    pass
class C560(C559):
    pass
class C561(C560):
    pass
class C562(C561):
    pass
class C563(C562):
    pass
class C564(C563):
    pass
class C565(C564):
    pass
class C566(C565):
    pass
class C567(C566):
    pass
class C568(C567):
    pass
class C569(C568):
    pass
class C570(C569):
    pass
class C571(C570):
    pass
class C572(C571):
    pass
class C573(C572):
    pass
class C574(C573):
    pass
class C575(C574):
    pass
class C576(C575):
    pass
class C577(C576):
    pass
class C578(C577):
    pass
class C579(C578):
    pass
class C580(C579):
    pass
class C581(C580):
    pass
class C582(C581):
    pass
class C583(C582):
    pass
class C584(C583):
    pass
class C585(C584):
    pass
class C586(C585):
    pass
class C587(C586):
    pass
class C588(C587):
    pass
class C589(C588):
    pass
class C590(C589):
    pass
class C591(C590):
    pass
class C592(C591):
    pass
class C593(C592):
    pass
class C594(C593):
    pass
class C595(C594):
    pass
class C596(C595):
    pass
class C597(C596):
    pass
class C598(C597):
    pass
class C599(C598):
    pass
class C600(C599):
    pass
class C601(C600):
    pass
class C602(C601):
    pass
class C603(C602):
    pass
class C604(C603):
    pass
class C605(C604):
    pass
class C606(C605):
    pass
class C607(C606):
    pass
class C608(C607):
    pass
class C609(C608):
    pass
class C610(C609):
    pass
class C611(C610):
    pass
class C612(C611):
    pass
class C613(C612):
    pass
class C614(C613):
    pass
class C615(C614):
    pass
class C616(C615):
    pass
class C617(C616):
    pass
class C618(C617):
    pass
class C619(C618):
    pass
class C620(C619):
    pass
class C621(C620):
    pass
class C622(C621):
    pass
class C623(C622):
    pass
class C624(C623):
    pass
class C625(C624):
    pass
class C626(C625):
    pass
class C627(C626):
    pass
class C628(C627):
    pass
class C629(C628):
    pass
class C630(C629):
    pass
class C631(C630):
    pass
class C632(C631):
    pass
class C633(C632):
    pass
class C634(C633):
    pass
class C635(C634):
    pass
class C636(C635):
    pass
class C637(C636):
    pass
class C638(C637):
    pass
class C639(C638):
    pass
class C640(C639):
    pass
class C641(C640):
    pass
class C642(C641):
    pass
class C643(C642):
    pass
class C644(C643):
    pass
class C645(C644):
    pass
class C646(C645):
    pass
class C647(C646):
    pass
class C648(C647):
    pass
class C649(C648):
    pass
class C650(C649):
    pass
class C651(C650):
    pass
class C652(C651):
    pass
class C653(C652):
    pass
class C654(C653):
    pass
class C655(C654):
    pass
class C656(C655):
    pass
class C657(C656):
    pass
class C658(C657):
    pass
class C659(C658):
    pass
class C660(C659):
    pass
class C661(C660):
    pass
class C662(C661):
    pass
class C663(C662):
    pass
class C664(C663):
    pass
class C665(C664):
    pass
class C666(C665):
    pass
class C667(C666):
    pass
class C668(C667):
    pass
class C669(C668):
    pass
class C670(C669):
    pass
class C671(C670):
    pass
class C672(C671):
    pass
class C673(C672):
    pass
class C674(C673):
    pass
class C675(C674):
    pass
class C676(C675):
    pass
class C677(C676):
    pass
class C678(C677):
    pass
class C679(C678):
    pass
class C680(C679):
    pass
class C681(C680):
    pass
class C682(C681):
    pass
class C683(C682):
    pass
class C684(C683):
    pass
class C685(C684):
    pass
class C686(C685):
    pass
class C687(C686):
    pass
class C688(C687):
    pass
class C689(C688):
    pass
class C690(C689):
    pass
class C691(C690):
    pass
class C692(C691):
    pass
class C693(C692):
    pass
class C694(C693):
    pass
class C695(C694):
    pass
class C696(C695):
    pass
class C697(C696):
    pass
class C698(C697):
    pass
class C699(C698):
    pass
class C700(C699):
    pass
class C701(C700):
    pass
class C702(C701):
    pass
class C703(C702):
    pass
class C704(C703):
    pass
class C705(C704):
    pass
class C706(C705):
    pass
class C707(C706):
    pass
class C708(C707):
    pass
class C709(C708):
    pass
class C710(C709):
    pass
class C711(C710):
    pass
class C712(C711):
    pass
class C713(C712):
    pass
class C714(C713):
    pass
class C715(C714):
    pass
class C716(C715):
    pass
class C717(C716):
    pass
class C718(C717):
    pass
class C719(C718):
    pass
class C720(C719):
    pass
class C721(C720):
    pass
class C722(C721):
    pass
class C723(C722):
    pass
class C724(C723):
    pass
class C725(C724):
    pass
class C726(C725):
    pass
class C727(C726):
    pass
class C728(C727):
    pass
class C729(C728):
    pass
class C730(C729):
    pass
class C731(C730):
    pass
class C732(C731):
    pass
class C733(C732):
    pass
class C734(C733):
    pass
class C735(C734):
    pass
class C736(C735):
    pass
class C737(C736):
    pass
class C738(C737):
    pass
class C739(C738):
    pass
class C740(C739):
    pass
class C741(C740):
    pass
class C742(C741):
    pass
class C743(C742):
    pass
class C744(C743):
    pass
class C745(C744):
    pass
class C746(C745):
    pass
class C747(C746):
    pass
class C748(C747):
    pass
class C749(C748):
    pass
class C750(C749):
    pass
class C751(C750):
    pass
class C752(C751):
    pass
class C753(C752):
    pass
class C754(C753):
    pass
class C755(C754):
    pass
class C756(C755):
    pass
class C757(C756):
    pass
class C758(C757):
    pass
class C759(C758):
    pass
class C760(C759):
    pass
class C761(C760):
    pass
class C762(C761):
    pass
class C763(C762):
    pass
class C764(C763):
    pass
class C765(C764):
    pass
class C766(C765):
    pass
class C767(C766):
    pass
class C768(C767):
    pass
class C769(C768):
    pass
class C770(C769):
    pass
class C771(C770):
    pass
class C772(C771):
    pass
class C773(C772):
    pass
class C774(C773):
    pass
class C775(C774):
    pass
class C776(C775):
    pass
class C777(C776):
    pass
class C778(C777):
    pass
class C779(C778):
    pass
class C780(C779):
    pass
class C781(C780):
    pass
class C782(C781):
    pass
class C783(C782):
    pass
class C784(C783):
    pass
class C785(C784):
    pass
class C786(C785):
    pass
class C787(C786):
    pass
class C788(C787):
    pass
class C789(C788):
    pass
class C790(C789):
    pass
class C791(C790):
    pass
class C792(C791):
    pass
class C793(C792):
    pass
class C794(C793):
    pass
class C795(C794):
    pass
class C796(C795):
    pass
class C797(C796):
    pass
class C798(C797):
    pass
class C799(C798):
    pass
class C800(C799):
    pass
class C801(C800):
    pass
class C802(C801):
    pass
class C803(C802):
    pass
class C804(C803):
    pass
class C805(C804):
    pass
class C806(C805):
    pass
class C807(C806):
    pass
class C808(C807):
    pass
class C809(C808):
    pass
class C810(C809):
    pass
class C811(C810):
    pass
class C812(C811):
    pass
class C813(C812):
    pass
class C814(C813):
    pass
class C815(C814):
    pass
class C816(C815):
    pass
class C817(C816):
    pass
class C818(C817):
    pass
class C819(C818):
    pass
class C820(C819):
    pass
class C821(C820):
    pass
class C822(C821):
    pass
class C823(C822):
    pass
class C824(C823):
    pass
class C825(C824):
    pass
class C826(C825):
    pass
class C827(C826):
    pass
class C828(C827):
    pass
class C829(C828):
    pass
class C830(C829):
    pass
class C831(C830):
    pass
class C832(C831):
    pass
class C833(C832):
    pass
class C834(C833):
    pass
class C835(C834):
    pass
class C836(C835):
    pass
class C837(C836):
    pass
class C838(C837):
    pass
class C839(C838):
    pass
class C840(C839):
    pass
class C841(C840):
    pass
class C842(C841):
    pass
class C843(C842):
    pass
class C844(C843):
    pass
class C845(C844):
    pass
class C846(C845):
    pass
class C847(C846):
    pass
class C848(C847):
    pass
class C849(C848):
    pass
class C850(C849):
    pass
class C851(C850):
    pass
class C852(C851):
    pass
class C853(C852):
    pass
class C854(C853):
    pass
class C855(C854):
    pass
class C856(C855):
    pass
class C857(C856):
    pass
class C858(C857):
    pass
class C859(C858):
    pass
class C860(C859):
    pass
class C861(C860):
    pass
class C862(C861):
    pass
class C863(C862):
    pass
class C864(C863):
    pass
class C865(C864):
    pass
class C866(C865):
    pass
class C867(C866):
    pass
class C868(C867):
    pass
class C869(C868):
    pass
class C870(C869):
    pass
class C871(C870):
    pass
class C872(C871):
    pass
class C873(C872):
    pass
class C874(C873):
    pass
class C875(C874):
    pass
class C876(C875):
    pass
class C877(C876):
    pass
class C878(C877):
    pass
class C879(C878):
    pass
class C880(C879):
    pass
class C881(C880):
    pass
class C882(C881):
    pass
class C883(C882):
    pass
class C884(C883):
    pass
class C885(C884):
    pass
class C886(C885):
    pass
class C887(C886):
    pass
class C888(C887):
    pass
class C889(C888):
    pass
class C890(C889):
    pass
class C891(C890):
    pass
class C892(C891):
    pass
class C893(C892):
    pass
class C894(C893):
    pass
class C895(C894):
    pass
class C896(C895):
    pass
class C897(C896):
    pass
class C898(C897):
    pass
class C899(C898):
    pass
class C900(C899):
    pass
class C901(C900):
    pass
class C902(C901):
    pass
class C903(C902):
    pass
class C904(C903):
    pass
class C905(C904):
    pass
class C906(C905):
    pass
class C907(C906):
    pass
class C908(C907):
    pass
class C909(C908):
    pass
class C910(C909):
    pass
class C911(C910):
    pass
class C912(C911):
    pass
class C913(C912):
    pass
class C914(C913):
    pass
class C915(C914):
    pass
class C916(C915):
    pass
class C917(C916):
    pass
class C918(C917):
    pass
class C919(C918):
    pass
class C920(C919):
    pass
class C921(C920):
    pass
class C922(C921):
    pass
class C923(C922):
    pass
class C924(C923):
    pass
class C925(C924):
    pass
class C926(C925):
    pass
class C927(C926):
    pass
class C928(C927):
    pass
class C929(C928):
    pass
class C930(C929):
    pass
class C931(C930):
    pass
class C932(C931):
    pass
class C933(C932):
    pass
class C934(C933):
    pass
class C935(C934):
    pass
class C936(C935):
    pass
class C937(C936):
    pass
class C938(C937):
    pass
class C939(C938):
    pass
class C940(C939):
    pass
class C941(C940):
    pass
class C942(C941):
    pass
class C943(C942):
    pass
class C944(C943):
    pass
class C945(C944):
    pass
class C946(C945):
    pass
class C947(C946):
    pass
class C948(C947):
    pass
class C949(C948):
    pass
class C950(C949):
    pass
class C951(C950):
    pass
class C952(C951):
    pass
class C953(C952):
    pass
class C954(C953):
    pass
class C955(C954):
    pass
class C956(C955):
    pass
class C957(C956):
    pass
class C958(C957):
    pass
class C959(C958):
    pass
class C960(C959):
    pass
class C961(C960):
    pass
class C962(C961):
    pass
class C963(C962):
    pass
class C964(C963):
    pass
class C965(C964):
    pass
class C966(C965):
    pass
class C967(C966):
    pass
class C968(C967):
    pass
class C969(C968):
    pass
class C970(C969):
    pass
class C971(C970):
    pass
class C972(C971):
    pass
class C973(C972):
    pass
class C974(C973):
    pass
class C975(C974):
    pass
class C976(C975):
    pass
class C977(C976):
    pass
class C978(C977):
    pass
class C979(C978):
    pass
class C980(C979):
    pass
class C981(C980):
    pass
class C982(C981):
    pass
class C983(C982):
    pass
class C984(C983):
    pass
class C985(C984):
    pass
class C986(C985):
    pass
class C987(C986):
    pass
class C988(C987):
    pass
class C989(C988):
    pass
class C990(C989):
    pass
class C991(C990):
    pass
class C992(C991):
    pass
class C993(C992):
    pass
class C994(C993):
    pass
class C995(C994):
    pass
class C996(C995):
    pass
class C997(C996):
    pass
class C998(C997):
    pass
class C999(C998):
    pass
class C1000(C999):
    pass
class C1001(C1000):
    pass
class C1002(C1001):
    pass
class C1003(C1002):
    pass
class C1004(C1003):
    pass
class C1005(C1004):
    pass
class C1006(C1005):
    pass
class C1007(C1006):
    pass
class C1008(C1007):
    pass
class C1009(C1008):
    pass
class C1010(C1009):
    pass
class C1011(C1010):
    pass
class C1012(C1011):
    pass
class C1013(C1012):
    pass
class C1014(C1013):
    pass
class C1015(C1014):
    pass
class C1016(C1015):
    pass
class C1017(C1016):
    pass
class C1018(C1017):
    pass
class C1019(C1018):
    pass
class C1020(C1019):
    pass
class C1021(C1020):
    pass
class C1022(C1021):
    pass
class C1023(C1022):
    pass
class C1024(C1023):
    pass
class C1025(C1024):
    pass
class C1026(C1025):
    pass
class C1027(C1026):
    pass
class C1028(C1027):
    pass
class C1029(C1028):
    pass
class C1030(C1029):
    pass
class C1031(C1030):
    pass
class C1032(C1031):
    pass
class C1033(C1032):
    pass
class C1034(C1033):
    pass
class C1035(C1034):
    pass
class C1036(C1035):
    pass
class C1037(C1036):
    pass
class C1038(C1037):
    pass
class C1039(C1038):
    pass
class C1040(C1039):
    pass
class C1041(C1040):
    pass
class C1042(C1041):
    pass
class C1043(C1042):
    pass
class C1044(C1043):
    pass
class C1045(C1044):
    pass
class C1046(C1045):
    pass
class C1047(C1046):
    pass
class C1048(C1047):
    pass
class C1049(C1048):
    pass
class C1050(C1049):
    pass
class C1051(C1050):
    pass
class C1052(C1051):
    pass
class C1053(C1052):
    pass
class C1054(C1053):
    pass
class C1055(C1054):
    pass
class C1056(C1055):
    pass
class C1057(C1056):
    pass
class C1058(C1057):
    pass
class C1059(C1058):
    pass
class C1060(C1059):
    pass
class C1061(C1060):
    pass
class C1062(C1061):
    pass
class C1063(C1062):
    pass
class C1064(C1063):
    pass
class C1065(C1064):
    pass
class C1066(C1065):
    pass
class C1067(C1066):
    pass
class C1068(C1067):
    pass
class C1069(C1068):
    pass
class C1070(C1069):
    pass
class C1071(C1070):
    pass
class C1072(C1071):
    pass
class C1073(C1072):
    pass
class C1074(C1073):
    pass
class C1075(C1074):
    pass
class C1076(C1075):
    pass
class C1077(C1076):
    pass
class C1078(C1077):
    pass
class C1079(C1078):
    pass
class C1080(C1079):
    pass
class C1081(C1080):
    pass
class C1082(C1081):
    pass
class C1083(C1082):
    pass
class C1084(C1083):
    pass
class C1085(C1084):
    pass
class C1086(C1085):
    pass
class C1087(C1086):
    pass
class C1088(C1087):
    pass
class C1089(C1088):
    pass
class C1090(C1089):
    pass
class C1091(C1090):
    pass
class C1092(C1091):
    pass
class C1093(C1092):
    pass
class C1094(C1093):
    pass
class C1095(C1094):
    pass
class C1096(C1095):
    pass
class C1097(C1096):
    pass
class C1098(C1097):
    pass
class C1099(C1098):
    pass
class C1100(C1099):
    pass
class C1101(C1100):
    pass
class C1102(C1101):
    pass
class C1103(C1102):
    pass
class C1104(C1103):
    pass
class C1105(C1104):
    pass
class C1106(C1105):
    pass
class C1107(C1106):
    pass
class C1108(C1107):
    pass
class C1109(C1108):
    pass
class C1110(C1109):
    pass
class C1111(C1110):
    pass
class C1112(C1111):
    pass
class C1113(C1112):
    pass
class C1114(C1113):
    pass
class C1115(C1114):
    pass
class C1116(C1115):
    pass
class C1117(C1116):
    pass
class C1118(C1117):
    pass
class C1119(C1118):
    pass
class C1120(C1119):
    pass
class C1121(C1120):
    pass
class C1122(C1121):
    pass
class C1123(C1122):
    pass
class C1124(C1123):
    pass
class C1125(C1124):
    pass
class C1126(C1125):
    pass
class C1127(C1126):
    pass
class C1128(C1127):
    pass
class C1129(C1128):
    pass
class C1130(C1129):
    pass
class C1131(C1130):
    pass
class C1132(C1131):
    pass
class C1133(C1132):
    pass
class C1134(C1133):
    pass
class C1135(C1134):
    pass
class C1136(C1135):
    pass
class C1137(C1136):
    pass
class C1138(C1137):
    pass
class C1139(C1138):
    pass
class C1140(C1139):
    pass
class C1141(C1140):
    pass
class C1142(C1141):
    pass
class C1143(C1142):
    pass
class C1144(C1143):
    pass
class C1145(C1144):
    pass
class C1146(C1145):
    pass
class C1147(C1146):
    pass
class C1148(C1147):
    pass
class C1149(C1148):
    pass
class C1150(C1149):
    pass
class C1151(C1150):
    pass
class C1152(C1151):
    pass
class C1153(C1152):
    pass
class C1154(C1153):
    pass
class C1155(C1154):
    pass
class C1156(C1155):
    pass
class C1157(C1156):
    pass
class C1158(C1157):
    pass
class C1159(C1158):
    pass
class C1160(C1159):
    pass
class C1161(C1160):
    pass
class C1162(C1161):
    pass
class C1163(C1162):
    pass
class C1164(C1163):
    pass
class C1165(C1164):
    pass
class C1166(C1165):
    pass
class C1167(C1166):
    pass
class C1168(C1167):
    pass
class C1169(C1168):
    pass
class C1170(C1169):
    pass
class C1171(C1170):
    pass
class C1172(C1171):
    pass
class C1173(C1172):
    pass
class C1174(C1173):
    pass
class C1175(C1174):
    pass
class C1176(C1175):
    pass
class C1177(C1176):
    pass
class C1178(C1177):
    pass
class C1179(C1178):
    pass
class C1180(C1179):
    pass
class C1181(C1180):
    pass
class C1182(C1181):
    pass
class C1183(C1182):
    pass
class C1184(C1183):
    pass
class C1185(C1184):
    pass
class C1186(C1185):
    pass
class C1187(C1186):
    pass
class C1188(C1187):
    pass
class C1189(C1188):
    pass
class C1190(C1189):
    pass
class C1191(C1190):
    pass
class C1192(C1191):
    pass
class C1193(C1192):
    pass
class C1194(C1193):
    pass
class C1195(C1194):
    pass
class C1196(C1195):
    pass
class C1197(C1196):
    pass
class C1198(C1197):
    pass
class C1199(C1198):
    pass
class C1200(C1199):
    pass
class C1201(C1200):
    pass
class C1202(C1201):
    pass
class C1203(C1202):
    pass
class C1204(C1203):
    pass
class C1205(C1204):
    pass
class C1206(C1205):
    pass
class C1207(C1206):
    pass
class C1208(C1207):
    pass
class C1209(C1208):
    pass
class C1210(C1209):
    pass
class C1211(C1210):
    pass
class C1212(C1211):
    pass
class C1213(C1212):
    pass
class C1214(C1213):
    pass
class C1215(C1214):
    pass
class C1216(C1215):
    pass
class C1217(C1216):
    pass
class C1218(C1217):
    pass
class C1219(C1218):
    pass
class C1220(C1219):
    pass
class C1221(C1220):
    pass
class C1222(C1221):
    pass
class C1223(C1222):
    pass
class C1224(C1223):
    pass
class C1225(C1224):
    pass
class C1226(C1225):
    pass
class C1227(C1226):
    pass
class C1228(C1227):
    pass
class C1229(C1228):
    pass
class C1230(C1229):
    pass
class C1231(C1230):
    pass
class C1232(C1231):
    pass
class C1233(C1232):
    pass
class C1234(C1233):
    pass
class C1235(C1234):
    pass
class C1236(C1235):
    pass
class C1237(C1236):
    pass
class C1238(C1237):
    pass
class C1239(C1238):
    pass
class C1240(C1239):
    pass
class C1241(C1240):
    pass
class C1242(C1241):
    pass
class C1243(C1242):
    pass
class C1244(C1243):
    pass
class C1245(C1244):
    pass
class C1246(C1245):
    pass
class C1247(C1246):
    pass
class C1248(C1247):
    pass
class C1249(C1248):
    pass
class C1250(C1249):
    pass
class C1251(C1250):
    pass
class C1252(C1251):
    pass
class C1253(C1252):
    pass
class C1254(C1253):
    pass
class C1255(C1254):
    pass
class C1256(C1255):
    pass
class C1257(C1256):
    pass
class C1258(C1257):
    pass
class C1259(C1258):
    pass
class C1260(C1259):
    pass
class C1261(C1260):
    pass
class C1262(C1261):
    pass
class C1263(C1262):
    pass
class C1264(C1263):
    pass
class C1265(C1264):
    pass
class C1266(C1265):
    pass
class C1267(C1266):
    pass
class C1268(C1267):
    pass
class C1269(C1268):
    pass
class C1270(C1269):
    pass
class C1271(C1270):
    pass
class C1272(C1271):
    pass
class C1273(C1272):
    pass
class C1274(C1273):
    pass
class C1275(C1274):
    pass
class C1276(C1275):
    pass
class C1277(C1276):
    pass
class C1278(C1277):
    pass
class C1279(C1278):
    pass
class C1280(C1279):
    pass
class C1281(C1280):
    pass
class C1282(C1281):
    pass
class C1283(C1282):
    pass
class C1284(C1283):
    pass
class C1285(C1284):
    pass
class C1286(C1285):
    pass
class C1287(C1286):
    pass
class C1288(C1287):
    pass
class C1289(C1288):
    pass
class C1290(C1289):
    pass
class C1291(C1290):
    pass
class C1292(C1291):
    pass
class C1293(C1292):
    pass
class C1294(C1293):
    pass
class C1295(C1294):
    pass
class C1296(C1295):
    pass
class C1297(C1296):
    pass
class C1298(C1297):
    pass
class C1299(C1298):
    pass
class C1300(C1299):
    pass
class C1301(C1300):
    pass
class C1302(C1301):
    pass
class C1303(C1302):
    pass
class C1304(C1303):
    pass
class C1305(C1304):
    pass
class C1306(C1305):
    pass
class C1307(C1306):
    pass
class C1308(C1307):
    pass
class C1309(C1308):
    pass
class C1310(C1309):
    pass
class C1311(C1310):
    pass
class C1312(C1311):
    pass
class C1313(C1312):
    pass
class C1314(C1313):
    pass
class C1315(C1314):
    pass
class C1316(C1315):
    pass
class C1317(C1316):
    pass
class C1318(C1317):
    pass
class C1319(C1318):
    pass
class C1320(C1319):
    pass
class C1321(C1320):
    pass
class C1322(C1321):
    pass
class C1323(C1322):
    pass
class C1324(C1323):
    pass
class C1325(C1324):
    pass
class C1326(C1325):
    pass
class C1327(C1326):
    pass
class C1328(C1327):
    pass
class C1329(C1328):
    pass
class C1330(C1329):
    pass
class C1331(C1330):
    pass
class C1332(C1331):
    pass
class C1333(C1332):
    pass
class C1334(C1333):
    pass
class C1335(C1334):
    pass
class C1336(C1335):
    pass
class C1337(C1336):
    pass
class C1338(C1337):
    pass
class C1339(C1338):
    pass
class C1340(C1339):
    pass
class C1341(C1340):
    pass
class C1342(C1341):
    pass
class C1343(C1342):
    pass
class C1344(C1343):
    pass
class C1345(C1344):
    pass
class C1346(C1345):
    pass
class C1347(C1346):
    pass
class C1348(C1347):
    pass
class C1349(C1348):
    pass
class C1350(C1349):
    pass
class C1351(C1350):
    pass
class C1352(C1351):
    pass
class C1353(C1352):
    pass
class C1354(C1353):
    pass
class C1355(C1354):
    pass
class C1356(C1355):
    pass
class C1357(C1356):
    pass
class C1358(C1357):
    pass
class C1359(C1358):
    pass
class C1360(C1359):
    pass
class C1361(C1360):
    pass
class C1362(C1361):
    pass
class C1363(C1362):
    pass
class C1364(C1363):
    pass
class C1365(C1364):
    pass
class C1366(C1365):
    pass
class C1367(C1366):
    pass
class C1368(C1367):
    pass
class C1369(C1368):
    pass
class C1370(C1369):
    pass
class C1371(C1370):
    pass
class C1372(C1371):
    pass
class C1373(C1372):
    pass
class C1374(C1373):
    pass
class C1375(C1374):
    pass
class C1376(C1375):
    pass
class C1377(C1376):
    pass
class C1378(C1377):
    pass
class C1379(C1378):
    pass
class C1380(C1379):
    pass
class C1381(C1380):
    pass
class C1382(C1381):
    pass
class C1383(C1382):
    pass
class C1384(C1383):
    pass
class C1385(C1384):
    pass
class C1386(C1385):
    pass
class C1387(C1386):
    pass
class C1388(C1387):
    pass
class C1389(C1388):
    pass
class C1390(C1389):
    pass
class C1391(C1390):
    pass
class C1392(C1391):
    pass
class C1393(C1392):
    pass
class C1394(C1393):
    pass
class C1395(C1394):
    pass
class C1396(C1395):
    pass
class C1397(C1396):
    pass
class C1398(C1397):
    pass
class C1399(C1398):
    pass
class C1400(C1399):
    pass
class C1401(C1400):
    pass
class C1402(C1401):
    pass
class C1403(C1402):
    pass
class C1404(C1403):
    pass
class C1405(C1404):
    pass
class C1406(C1405):
    pass
class C1407(C1406):
    pass
class C1408(C1407):
    pass
class C1409(C1408):
    pass
class C1410(C1409):
    pass
class C1411(C1410):
    pass
class C1412(C1411):
    pass
class C1413(C1412):
    pass
class C1414(C1413):
    pass
class C1415(C1414):
    pass
class C1416(C1415):
    pass
class C1417(C1416):
    pass
class C1418(C1417):
    pass
class C1419(C1418):
    pass
class C1420(C1419):
    pass
class C1421(C1420):
    pass
class C1422(C1421):
    pass
class C1423(C1422):
    pass
class C1424(C1423):
    pass
class C1425(C1424):
    pass
class C1426(C1425):
    pass
class C1427(C1426):
    pass
class C1428(C1427):
    pass
class C1429(C1428):
    pass
class C1430(C1429):
    pass
class C1431(C1430):
    pass
class C1432(C1431):
    pass
class C1433(C1432):
    pass
class C1434(C1433):
    pass
class C1435(C1434):
    pass
class C1436(C1435):
    pass
class C1437(C1436):
    pass
class C1438(C1437):
    pass
class C1439(C1438):
    pass
class C1440(C1439):
    pass
class C1441(C1440):
    pass
class C1442(C1441):
    pass
class C1443(C1442):
    pass
class C1444(C1443):
    pass
class C1445(C1444):
    pass
class C1446(C1445):
    pass
class C1447(C1446):
    pass
class C1448(C1447):
    pass
class C1449(C1448):
    pass
class C1450(C1449):
    pass
class C1451(C1450):
    pass
class C1452(C1451):
    pass
class C1453(C1452):
    pass
class C1454(C1453):
    pass
class C1455(C1454):
    pass
class C1456(C1455):
    pass
class C1457(C1456):
    pass
class C1458(C1457):
    pass
class C1459(C1458):
    pass
class C1460(C1459):
    pass
class C1461(C1460):
    pass
class C1462(C1461):
    pass
class C1463(C1462):
    pass
class C1464(C1463):
    pass
class C1465(C1464):
    pass
class C1466(C1465):
    pass
class C1467(C1466):
    pass
class C1468(C1467):
    pass
class C1469(C1468):
    pass
class C1470(C1469):
    pass
class C1471(C1470):
    pass
class C1472(C1471):
    pass
class C1473(C1472):
    pass
class C1474(C1473):
    pass
class C1475(C1474):
    pass
class C1476(C1475):
    pass
class C1477(C1476):
    pass
class C1478(C1477):
    pass
class C1479(C1478):
    pass
class C1480(C1479):
    pass
class C1481(C1480):
    pass
class C1482(C1481):
    pass
class C1483(C1482):
    pass
class C1484(C1483):
    pass
class C1485(C1484):
    pass
class C1486(C1485):
    pass
class C1487(C1486):
    pass
class C1488(C1487):
    pass
class C1489(C1488):
    pass
class C1490(C1489):
    pass
class C1491(C1490):
    pass
class C1492(C1491):
    pass
class C1493(C1492):
    pass
class C1494(C1493):
    pass
class C1495(C1494):
    pass
class C1496(C1495):
    pass
class C1497(C1496):
    pass
class C1498(C1497):
    pass
class C1499(C1498):
    pass
class C1500(C1499):
    pass
class C1501(C1500):
    pass
class C1502(C1501):
    pass
class C1503(C1502):
    pass
class C1504(C1503):
    pass
class C1505(C1504):
    pass
class C1506(C1505):
    pass
class C1507(C1506):
    pass
class C1508(C1507):
    pass
class C1509(C1508):
    pass
class C1510(C1509):
    pass
class C1511(C1510):
    pass
class C1512(C1511):
    pass
class C1513(C1512):
    pass
class C1514(C1513):
    pass
class C1515(C1514):
    pass
class C1516(C1515):
    pass
class C1517(C1516):
    pass
class C1518(C1517):
    pass
class C1519(C1518):
    pass
class C1520(C1519):
    pass
class C1521(C1520):
    pass
class C1522(C1521):
    pass
class C1523(C1522):
    pass
class C1524(C1523):
    pass
class C1525(C1524):
    pass
class C1526(C1525):
    pass
class C1527(C1526):
    pass
class C1528(C1527):
    pass
class C1529(C1528):
    pass
class C1530(C1529):
    pass
class C1531(C1530):
    pass
class C1532(C1531):
    pass
class C1533(C1532):
    pass
class C1534(C1533):
    pass
class C1535(C1534):
    pass
class C1536(C1535):
    pass
class C1537(C1536):
    pass
class C1538(C1537):
    pass
class C1539(C1538):
    pass
class C1540(C1539):
    pass
class C1541(C1540):
    pass
class C1542(C1541):
    pass
class C1543(C1542):
    pass
class C1544(C1543):
    pass
class C1545(C1544):
    pass
class C1546(C1545):
    pass
class C1547(C1546):
    pass
class C1548(C1547):
    pass
class C1549(C1548):
    pass
class C1550(C1549):
    pass
class C1551(C1550):
    pass
class C1552(C1551):
    pass
class C1553(C1552):
    pass
class C1554(C1553):
    pass
class C1555(C1554):
    pass
class C1556(C1555):
    pass
class C1557(C1556):
    pass
class C1558(C1557):
    pass
class C1559(C1558):
    pass
class C1560(C1559):
    pass
class C1561(C1560):
    pass
class C1562(C1561):
    pass
class C1563(C1562):
    pass
class C1564(C1563):
    pass
class C1565(C1564):
    pass
class C1566(C1565):
    pass
class C1567(C1566):
    pass
class C1568(C1567):
    pass
class C1569(C1568):
    pass
class C1570(C1569):
    pass
class C1571(C1570):
    pass
class C1572(C1571):
    pass
class C1573(C1572):
    pass
class C1574(C1573):
    pass
class C1575(C1574):
    pass
class C1576(C1575):
    pass
class C1577(C1576):
    pass
class C1578(C1577):
    pass
class C1579(C1578):
    pass
class C1580(C1579):
    pass
class C1581(C1580):
    pass
class C1582(C1581):
    pass
class C1583(C1582):
    pass
class C1584(C1583):
    pass
class C1585(C1584):
    pass
class C1586(C1585):
    pass
class C1587(C1586):
    pass
class C1588(C1587):
    pass
class C1589(C1588):
    pass
class C1590(C1589):
    pass
class C1591(C1590):
    pass
class C1592(C1591):
    pass
class C1593(C1592):
    pass
class C1594(C1593):
    pass
class C1595(C1594):
    pass
class C1596(C1595):
    pass
class C1597(C1596):
    pass
class C1598(C1597):
    pass
class C1599(C1598):
    pass
class C1600(C1599):
    pass
class C1601(C1600):
    pass
class C1602(C1601):
    pass
class C1603(C1602):
    pass
class C1604(C1603):
    pass
class C1605(C1604):
    pass
class C1606(C1605):
    pass
class C1607(C1606):
    pass
class C1608(C1607):
    pass
class C1609(C1608):
    pass
class C1610(C1609):
    pass
class C1611(C1610):
    pass
class C1612(C1611):
    pass
class C1613(C1612):
    pass
class C1614(C1613):
    pass
class C1615(C1614):
    pass
class C1616(C1615):
    pass
class C1617(C1616):
    pass
class C1618(C1617):
    pass
class C1619(C1618):
    pass
class C1620(C1619):
    pass
class C1621(C1620):
    pass
class C1622(C1621):
    pass
class C1623(C1622):
    pass
class C1624(C1623):
    pass
class C1625(C1624):
    pass
class C1626(C1625):
    pass
class C1627(C1626):
    pass
class C1628(C1627):
    pass
class C1629(C1628):
    pass
class C1630(C1629):
    pass
class C1631(C1630):
    pass
class C1632(C1631):
    pass
class C1633(C1632):
    pass
class C1634(C1633):
    pass
class C1635(C1634):
    pass
class C1636(C1635):
    pass
class C1637(C1636):
    pass
class C1638(C1637):
    pass
class C1639(C1638):
    pass
class C1640(C1639):
    pass
class C1641(C1640):
    pass
class C1642(C1641):
    pass
class C1643(C1642):
    pass
class C1644(C1643):
    pass
class C1645(C1644):
    pass
class C1646(C1645):
    pass
class C1647(C1646):
    pass
class C1648(C1647):
    pass
class C1649(C1648):
    pass
class C1650(C1649):
    pass
class C1651(C1650):
    pass
class C1652(C1651):
    pass
class C1653(C1652):
    pass
class C1654(C1653):
    pass
class C1655(C1654):
    pass
class C1656(C1655):
    pass
class C1657(C1656):
    pass
class C1658(C1657):
    pass
class C1659(C1658):
    pass
class C1660(C1659):
    pass
class C1661(C1660):
    pass
class C1662(C1661):
    pass
class C1663(C1662):
    pass
class C1664(C1663):
    pass
class C1665(C1664):
    pass
class C1666(C1665):
    pass
class C1667(C1666):
    pass
class C1668(C1667):
    pass
class C1669(C1668):
    pass
class C1670(C1669):
    pass
class C1671(C1670):
    pass
class C1672(C1671):
    pass
class C1673(C1672):
    pass
class C1674(C1673):
    pass
class C1675(C1674):
    pass
class C1676(C1675):
    pass
class C1677(C1676):
    pass
class C1678(C1677):
    pass
class C1679(C1678):
    pass
class C1680(C1679):
    pass
class C1681(C1680):
    pass
class C1682(C1681):
    pass
class C1683(C1682):
    pass
class C1684(C1683):
    pass
class C1685(C1684):
    pass
class C1686(C1685):
    pass
class C1687(C1686):
    pass
class C1688(C1687):
    pass
class C1689(C1688):
    pass
class C1690(C1689):
    pass
class C1691(C1690):
    pass
class C1692(C1691):
    pass
class C1693(C1692):
    pass
class C1694(C1693):
    pass
class C1695(C1694):
    pass
class C1696(C1695):
    pass
class C1697(C1696):
    pass
class C1698(C1697):
    pass
class C1699(C1698):
    pass
class C1700(C1699):
    pass
class C1701(C1700):
    pass
class C1702(C1701):
    pass
class C1703(C1702):
    pass
class C1704(C1703):
    pass
class C1705(C1704):
    pass
class C1706(C1705):
    pass
class C1707(C1706):
    pass
class C1708(C1707):
    pass
class C1709(C1708):
    pass
class C1710(C1709):
    pass
class C1711(C1710):
    pass
class C1712(C1711):
    pass
class C1713(C1712):
    pass
class C1714(C1713):
    pass
class C1715(C1714):
    pass
class C1716(C1715):
    pass
class C1717(C1716):
    pass
class C1718(C1717):
    pass
class C1719(C1718):
    pass
class C1720(C1719):
    pass
class C1721(C1720):
    pass
class C1722(C1721):
    pass
class C1723(C1722):
    pass
class C1724(C1723):
    pass
class C1725(C1724):
    pass
class C1726(C1725):
    pass
class C1727(C1726):
    pass
class C1728(C1727):
    pass
class C1729(C1728):
    pass
class C1730(C1729):
    pass
class C1731(C1730):
    pass
class C1732(C1731):
    pass
class C1733(C1732):
    pass
class C1734(C1733):
    pass
class C1735(C1734):
    pass
class C1736(C1735):
    pass
class C1737(C1736):
    pass
class C1738(C1737):
    pass
class C1739(C1738):
    pass
class C1740(C1739):
    pass
class C1741(C1740):
    pass
class C1742(C1741):
    pass
class C1743(C1742):
    pass
class C1744(C1743):
    pass
class C1745(C1744):
    pass
class C1746(C1745):
    pass
class C1747(C1746):
    pass
class C1748(C1747):
    pass
class C1749(C1748):
    pass
class C1750(C1749):
    pass
class C1751(C1750):
    pass
class C1752(C1751):
    pass
class C1753(C1752):
    pass
class C1754(C1753):
    pass
class C1755(C1754):
    pass
class C1756(C1755):
    pass
class C1757(C1756):
    pass
class C1758(C1757):
    pass
class C1759(C1758):
    pass
class C1760(C1759):
    pass
class C1761(C1760):
    pass
class C1762(C1761):
    pass
class C1763(C1762):
    pass
class C1764(C1763):
    pass
class C1765(C1764):
    pass
class C1766(C1765):
    pass
class C1767(C1766):
    pass
class C1768(C1767):
    pass
class C1769(C1768):
    pass
class C1770(C1769):
    pass
class C1771(C1770):
    pass
class C1772(C1771):
    pass
class C1773(C1772):
    pass
class C1774(C1773):
    pass
class C1775(C1774):
    pass
class C1776(C1775):
    pass
class C1777(C1776):
    pass
class C1778(C1777):
    pass
class C1779(C1778):
    pass
class C1780(C1779):
    pass
class C1781(C1780):
    pass
class C1782(C1781):
    pass
class C1783(C1782):
    pass
class C1784(C1783):
    pass
class C1785(C1784):
    pass
class C1786(C1785):
    pass
class C1787(C1786):
    pass
class C1788(C1787):
    pass
class C1789(C1788):
    pass
class C1790(C1789):
    pass
class C1791(C1790):
    pass
class C1792(C1791):
    pass
class C1793(C1792):
    pass
class C1794(C1793):
    pass
class C1795(C1794):
    pass
class C1796(C1795):
    pass
class C1797(C1796):
    pass
class C1798(C1797):
    pass
class C1799(C1798):
    pass
class C1800(C1799):
    pass
class C1801(C1800):
    pass
class C1802(C1801):
    pass
class C1803(C1802):
    pass
class C1804(C1803):
    pass
class C1805(C1804):
    pass
class C1806(C1805):
    pass
class C1807(C1806):
    pass
class C1808(C1807):
    pass
class C1809(C1808):
    pass
class C1810(C1809):
    pass
class C1811(C1810):
    pass
class C1812(C1811):
    pass
class C1813(C1812):
    pass
class C1814(C1813):
    pass
class C1815(C1814):
    pass
class C1816(C1815):
    pass
class C1817(C1816):
    pass
class C1818(C1817):
    pass
class C1819(C1818):
    pass
class C1820(C1819):
    pass
class C1821(C1820):
    pass
class C1822(C1821):
    pass
class C1823(C1822):
    pass
class C1824(C1823):
    pass
class C1825(C1824):
    pass
class C1826(C1825):
    pass
class C1827(C1826):
    pass
class C1828(C1827):
    pass
class C1829(C1828):
    pass
class C1830(C1829):
    pass
class C1831(C1830):
    pass
class C1832(C1831):
    pass
class C1833(C1832):
    pass
class C1834(C1833):
    pass
class C1835(C1834):
    pass
class C1836(C1835):
    pass
class C1837(C1836):
    pass
class C1838(C1837):
    pass
class C1839(C1838):
    pass
class C1840(C1839):
    pass
class C1841(C1840):
    pass
class C1842(C1841):
    pass
class C1843(C1842):
    pass
class C1844(C1843):
    pass
class C1845(C1844):
    pass
class C1846(C1845):
    pass
class C1847(C1846):
    pass
class C1848(C1847):
    pass
class C1849(C1848):
    pass
class C1850(C1849):
    pass
class C1851(C1850):
    pass
class C1852(C1851):
    pass
class C1853(C1852):
    pass
class C1854(C1853):
    pass
class C1855(C1854):
    pass
class C1856(C1855):
    pass
class C1857(C1856):
    pass
class C1858(C1857):
    pass
class C1859(C1858):
    pass
class C1860(C1859):
    pass
class C1861(C1860):
    pass
class C1862(C1861):
    pass
class C1863(C1862):
    pass
class C1864(C1863):
    pass
class C1865(C1864):
    pass
class C1866(C1865):
    pass
class C1867(C1866):
    pass
class C1868(C1867):
    pass
class C1869(C1868):
    pass
class C1870(C1869):
    pass
class C1871(C1870):
    pass
class C1872(C1871):
    pass
class C1873(C1872):
    pass
class C1874(C1873):
    pass
class C1875(C1874):
    pass
class C1876(C1875):
    pass
class C1877(C1876):
    pass
class C1878(C1877):
    pass
class C1879(C1878):
    pass
class C1880(C1879):
    pass
class C1881(C1880):
    pass
class C1882(C1881):
    pass
class C1883(C1882):
    pass
class C1884(C1883):
    pass
class C1885(C1884):
    pass
class C1886(C1885):
    pass
class C1887(C1886):
    pass
class C1888(C1887):
    pass
class C1889(C1888):
    pass
class C1890(C1889):
    pass
class C1891(C1890):
    pass
class C1892(C1891):
    pass
class C1893(C1892):
    pass
class C1894(C1893):
    pass
class C1895(C1894):
    pass
class C1896(C1895):
    pass
class C1897(C1896):
    pass
class C1898(C1897):
    pass
class C1899(C1898):
    pass
class C1900(C1899):
    pass
class C1901(C1900):
    pass
class C1902(C1901):
    pass
class C1903(C1902):
    pass
class C1904(C1903):
    pass
class C1905(C1904):
    pass
class C1906(C1905):
    pass
class C1907(C1906):
    pass
class C1908(C1907):
    pass
class C1909(C1908):
    pass
class C1910(C1909):
    pass
class C1911(C1910):
    pass
class C1912(C1911):
    pass
class C1913(C1912):
    pass
class C1914(C1913):
    pass
class C1915(C1914):
    pass
class C1916(C1915):
    pass
class C1917(C1916):
    pass
class C1918(C1917):
    pass
class C1919(C1918):
    pass
class C1920(C1919):
    pass
class C1921(C1920):
    pass
class C1922(C1921):
    pass
class C1923(C1922):
    pass
class C1924(C1923):
    pass
class C1925(C1924):
    pass
class C1926(C1925):
    pass
class C1927(C1926):
    pass
class C1928(C1927):
    pass
class C1929(C1928):
    pass
class C1930(C1929):
    pass
class C1931(C1930):
    pass
class C1932(C1931):
    pass
class C1933(C1932):
    pass
class C1934(C1933):
    pass
class C1935(C1934):
    pass
class C1936(C1935):
    pass
class C1937(C1936):
    pass
class C1938(C1937):
    pass
class C1939(C1938):
    pass
class C1940(C1939):
    pass
class C1941(C1940):
    pass
class C1942(C1941):
    pass
class C1943(C1942):
    pass
class C1944(C1943):
    pass
class C1945(C1944):
    pass
class C1946(C1945):
    pass
class C1947(C1946):
    pass
class C1948(C1947):
    pass
class C1949(C1948):
    pass
class C1950(C1949):
    pass
class C1951(C1950):
    pass
class C1952(C1951):
    pass
class C1953(C1952):
    pass
class C1954(C1953):
    pass
class C1955(C1954):
    pass
class C1956(C1955):
    pass
class C1957(C1956):
    pass
class C1958(C1957):
    pass
class C1959(C1958):
    pass
class C1960(C1959):
    pass
class C1961(C1960):
    pass
class C1962(C1961):
    pass
class C1963(C1962):
    pass
class C1964(C1963):
    pass
class C1965(C1964):
    pass
class C1966(C1965):
    pass
class C1967(C1966):
    pass
class C1968(C1967):
    pass
class C1969(C1968):
    pass
class C1970(C1969):
    pass
class C1971(C1970):
    pass
class C1972(C1971):
    pass
class C1973(C1972):
    pass
class C1974(C1973):
    pass
class C1975(C1974):
    pass
class C1976(C1975):
    pass
class C1977(C1976):
    pass
class C1978(C1977):
    pass
class C1979(C1978):
    pass
class C1980(C1979):
    pass
class C1981(C1980):
    pass
class C1982(C1981):
    pass
class C1983(C1982):
    pass
class C1984(C1983):
    pass
class C1985(C1984):
    pass
class C1986(C1985):
    pass
class C1987(C1986):
    pass
class C1988(C1987):
    pass
class C1989(C1988):
    pass
class C1990(C1989):
    pass
class C1991(C1990):
    pass
class C1992(C1991):
    pass
class C1993(C1992):
    pass
class C1994(C1993):
    pass
class C1995(C1994):
    pass
class C1996(C1995):
    pass
class C1997(C1996):
    pass
class C1998(C1997):
    pass
class C1999(C1998):
    pass
class C2000(C1999):
    pass
class C2001(C2000):
    pass
class C2002(C2001):
    pass
class C2003(C2002):
    pass
class C2004(C2003):
    pass
class C2005(C2004):
    pass
class C2006(C2005):
    pass
class C2007(C2006):
    pass
class C2008(C2007):
    pass
class C2009(C2008):
    pass
class C2010(C2009):
    pass
class C2011(C2010):
    pass
class C2012(C2011):
    pass
class C2013(C2012):
    pass
class C2014(C2013):
    pass
class C2015(C2014):
    pass
class C2016(C2015):
    pass
class C2017(C2016):
    pass
class C2018(C2017):
    pass
class C2019(C2018):
    pass
class C2020(C2019):
    pass
class C2021(C2020):
    pass
class C2022(C2021):
    pass
class C2023(C2022):
    pass
class C2024(C2023):
    pass
class C2025(C2024):
    pass
class C2026(C2025):
    pass
class C2027(C2026):
    pass
class C2028(C2027):
    pass
class C2029(C2028):
    pass
class C2030(C2029):
    pass
class C2031(C2030):
    pass
class C2032(C2031):
    pass
class C2033(C2032):
    pass
class C2034(C2033):
    pass
class C2035(C2034):
    pass
class C2036(C2035):
    pass
class C2037(C2036):
    pass
class C2038(C2037):
    pass
class C2039(C2038):
    pass
class C2040(C2039):
    pass
class C2041(C2040):
    pass
class C2042(C2041):
    pass
class C2043(C2042):
    pass
class C2044(C2043):
    pass
class C2045(C2044):
    pass
class C2046(C2045):
    pass
class C2047(C2046):
    pass
class C2048(C2047):
    pass
class C2049(C2048):
    pass
class C2050(C2049):
    pass
class C2051(C2050):
    pass
class C2052(C2051):
    pass
class C2053(C2052):
    pass
class C2054(C2053):
    pass
class C2055(C2054):
    pass
class C2056(C2055):
    pass
class C2057(C2056):
    pass
class C2058(C2057):
    pass
class C2059(C2058):
    pass
class C2060(C2059):
    pass
class C2061(C2060):
    pass
class C2062(C2061):
    pass
class C2063(C2062):
    pass
class C2064(C2063):
    pass
class C2065(C2064):
    pass
class C2066(C2065):
    pass
class C2067(C2066):
    pass
class C2068(C2067):
    pass
class C2069(C2068):
    pass
class C2070(C2069):
    pass
class C2071(C2070):
    pass
class C2072(C2071):
    pass
class C2073(C2072):
    pass
class C2074(C2073):
    pass
class C2075(C2074):
    pass
class C2076(C2075):
    pass
class C2077(C2076):
    pass
class C2078(C2077):
    pass
class C2079(C2078):
    pass
class C2080(C2079):
    pass
class C2081(C2080):
    pass
class C2082(C2081):
    pass
class C2083(C2082):
    pass
class C2084(C2083):
    pass
class C2085(C2084):
    pass
class C2086(C2085):
    pass
class C2087(C2086):
    pass
class C2088(C2087):
    pass
class C2089(C2088):
    pass
class C2090(C2089):
    pass
class C2091(C2090):
    pass
class C2092(C2091):
    pass
class C2093(C2092):
    pass
class C2094(C2093):
    pass
class C2095(C2094):
    pass
class C2096(C2095):
    pass
class C2097(C2096):
    pass
class C2098(C2097):
    pass
class C2099(C2098):
    pass
class C2100(C2099):
    pass
class C2101(C2100):
    pass
class C2102(C2101):
    pass
class C2103(C2102):
    pass
class C2104(C2103):
    pass
class C2105(C2104):
    pass
class C2106(C2105):
    pass
class C2107(C2106):
    pass
class C2108(C2107):
    pass
class C2109(C2108):
    pass
class C2110(C2109):
    pass
class C2111(C2110):
    pass
class C2112(C2111):
    pass
class C2113(C2112):
    pass
class C2114(C2113):
    pass
class C2115(C2114):
    pass
class C2116(C2115):
    pass
class C2117(C2116):
    pass
class C2118(C2117):
    pass
class C2119(C2118):
    pass
class C2120(C2119):
    pass
class C2121(C2120):
    pass
class C2122(C2121):
    pass
class C2123(C2122):
    pass
class C2124(C2123):
    pass
class C2125(C2124):
    pass
class C2126(C2125):
    pass
class C2127(C2126):
    pass
class C2128(C2127):
    pass
class C2129(C2128):
    pass
class C2130(C2129):
    pass
class C2131(C2130):
    pass
class C2132(C2131):
    pass
class C2133(C2132):
    pass
class C2134(C2133):
    pass
class C2135(C2134):
    pass
class C2136(C2135):
    pass
class C2137(C2136):
    pass
class C2138(C2137):
    pass
class C2139(C2138):
    pass
class C2140(C2139):
    pass
class C2141(C2140):
    pass
class C2142(C2141):
    pass
class C2143(C2142):
    pass
class C2144(C2143):
    pass
class C2145(C2144):
    pass
class C2146(C2145):
    pass
class C2147(C2146):
    pass
class C2148(C2147):
    pass
class C2149(C2148):
    pass
class C2150(C2149):
    pass
class C2151(C2150):
    pass
class C2152(C2151):
    pass
class C2153(C2152):
    pass
class C2154(C2153):
    pass
class C2155(C2154):
    pass
class C2156(C2155):
    pass
class C2157(C2156):
    pass
class C2158(C2157):
    pass
class C2159(C2158):
    pass
class C2160(C2159):
    pass
class C2161(C2160):
    pass
class C2162(C2161):
    pass
class C2163(C2162):
    pass
class C2164(C2163):
    pass
class C2165(C2164):
    pass
class C2166(C2165):
    pass
class C2167(C2166):
    pass
class C2168(C2167):
    pass
class C2169(C2168):
    pass
class C2170(C2169):
    pass
class C2171(C2170):
    pass
class C2172(C2171):
    pass
class C2173(C2172):
    pass
class C2174(C2173):
    pass
class C2175(C2174):
    pass
class C2176(C2175):
    pass
class C2177(C2176):
    pass
class C2178(C2177):
    pass
class C2179(C2178):
    pass
class C2180(C2179):
    pass
class C2181(C2180):
    pass
class C2182(C2181):
    pass
class C2183(C2182):
    pass
class C2184(C2183):
    pass
class C2185(C2184):
    pass
class C2186(C2185):
    pass
class C2187(C2186):
    pass
class C2188(C2187):
    pass
class C2189(C2188):
    pass
class C2190(C2189):
    pass
class C2191(C2190):
    pass
class C2192(C2191):
    pass
class C2193(C2192):
    pass
class C2194(C2193):
    pass
class C2195(C2194):
    pass
class C2196(C2195):
    pass
class C2197(C2196):
    pass
class C2198(C2197):
    pass
class C2199(C2198):
    pass
class C2200(C2199):
    pass
class C2201(C2200):
    pass
class C2202(C2201):
    pass
class C2203(C2202):
    pass
class C2204(C2203):
    pass
class C2205(C2204):
    pass
class C2206(C2205):
    pass
class C2207(C2206):
    pass
class C2208(C2207):
    pass
class C2209(C2208):
    pass
class C2210(C2209):
    pass
class C2211(C2210):
    pass
class C2212(C2211):
    pass
class C2213(C2212):
    pass
class C2214(C2213):
    pass
class C2215(C2214):
    pass
class C2216(C2215):
    pass
class C2217(C2216):
    pass
class C2218(C2217):
    pass
class C2219(C2218):
    pass
class C2220(C2219):
    pass
class C2221(C2220):
    pass
class C2222(C2221):
    pass
class C2223(C2222):
    pass
class C2224(C2223):
    pass
class C2225(C2224):
    pass
class C2226(C2225):
    pass
class C2227(C2226):
    pass
class C2228(C2227):
    pass
class C2229(C2228):
    pass
class C2230(C2229):
    pass
class C2231(C2230):
    pass
class C2232(C2231):
    pass
class C2233(C2232):
    pass
class C2234(C2233):
    pass
class C2235(C2234):
    pass
class C2236(C2235):
    pass
class C2237(C2236):
    pass
class C2238(C2237):
    pass
class C2239(C2238):
    pass
class C2240(C2239):
    pass
class C2241(C2240):
    pass
class C2242(C2241):
    pass
class C2243(C2242):
    pass
class C2244(C2243):
    pass
class C2245(C2244):
    pass
class C2246(C2245):
    pass
class C2247(C2246):
    pass
class C2248(C2247):
    pass
class C2249(C2248):
    pass
class C2250(C2249):
    pass
class C2251(C2250):
    pass
class C2252(C2251):
    pass
class C2253(C2252):
    pass
class C2254(C2253):
    pass
class C2255(C2254):
    pass
class C2256(C2255):
    pass
class C2257(C2256):
    pass
class C2258(C2257):
    pass
class C2259(C2258):
    pass
class C2260(C2259):
    pass
class C2261(C2260):
    pass
class C2262(C2261):
    pass
class C2263(C2262):
    pass
class C2264(C2263):
    pass
class C2265(C2264):
    pass
class C2266(C2265):
    pass
class C2267(C2266):
    pass
class C2268(C2267):
    pass
class C2269(C2268):
    pass
class C2270(C2269):
    pass
class C2271(C2270):
    pass
class C2272(C2271):
    pass
class C2273(C2272):
    pass
class C2274(C2273):
    pass
class C2275(C2274):
    pass
class C2276(C2275):
    pass
class C2277(C2276):
    pass
class C2278(C2277):
    pass
class C2279(C2278):
    pass
class C2280(C2279):
    pass
class C2281(C2280):
    pass
class C2282(C2281):
    pass
class C2283(C2282):
    pass
class C2284(C2283):
    pass
class C2285(C2284):
    pass
class C2286(C2285):
    pass
class C2287(C2286):
    pass
class C2288(C2287):
    pass
class C2289(C2288):
    pass
class C2290(C2289):
    pass
class C2291(C2290):
    pass
class C2292(C2291):
    pass
class C2293(C2292):
    pass
class C2294(C2293):
    pass
class C2295(C2294):
    pass
class C2296(C2295):
    pass
class C2297(C2296):
    pass
class C2298(C2297):
    pass
class C2299(C2298):
    pass
class C2300(C2299):
    pass
class C2301(C2300):
    pass
class C2302(C2301):
    pass
class C2303(C2302):
    pass
class C2304(C2303):
    pass
class C2305(C2304):
    pass
class C2306(C2305):
    pass
class C2307(C2306):
    pass
class C2308(C2307):
    pass
class C2309(C2308):
    pass
class C2310(C2309):
    pass
class C2311(C2310):
    pass
class C2312(C2311):
    pass
class C2313(C2312):
    pass
class C2314(C2313):
    pass
class C2315(C2314):
    pass
class C2316(C2315):
    pass
class C2317(C2316):
    pass
class C2318(C2317):
    pass
class C2319(C2318):
    pass
class C2320(C2319):
    pass
class C2321(C2320):
    pass
class C2322(C2321):
    pass
class C2323(C2322):
    pass
class C2324(C2323):
    pass
class C2325(C2324):
    pass
class C2326(C2325):
    pass
class C2327(C2326):
    pass
class C2328(C2327):
    pass
class C2329(C2328):
    pass
class C2330(C2329):
    pass
class C2331(C2330):
    pass
class C2332(C2331):
    pass
class C2333(C2332):
    pass
class C2334(C2333):
    pass
class C2335(C2334):
    pass
class C2336(C2335):
    pass
class C2337(C2336):
    pass
class C2338(C2337):
    pass
class C2339(C2338):
    pass
class C2340(C2339):
    pass
class C2341(C2340):
    pass
class C2342(C2341):
    pass
class C2343(C2342):
    pass
class C2344(C2343):
    pass
class C2345(C2344):
    pass
class C2346(C2345):
    pass
class C2347(C2346):
    pass
class C2348(C2347):
    pass
class C2349(C2348):
    pass
class C2350(C2349):
    pass
class C2351(C2350):
    pass
class C2352(C2351):
    pass
class C2353(C2352):
    pass
class C2354(C2353):
    pass
class C2355(C2354):
    pass
class C2356(C2355):
    pass
class C2357(C2356):
    pass
class C2358(C2357):
    pass
class C2359(C2358):
    pass
class C2360(C2359):
    pass
class C2361(C2360):
    pass
class C2362(C2361):
    pass
class C2363(C2362):
    pass
class C2364(C2363):
    pass
class C2365(C2364):
    pass
class C2366(C2365):
    pass
class C2367(C2366):
    pass
class C2368(C2367):
    pass
class C2369(C2368):
    pass
class C2370(C2369):
    pass
class C2371(C2370):
    pass
class C2372(C2371):
    pass
class C2373(C2372):
    pass
class C2374(C2373):
    pass
class C2375(C2374):
    pass
class C2376(C2375):
    pass
class C2377(C2376):
    pass
class C2378(C2377):
    pass
class C2379(C2378):
    pass
class C2380(C2379):
    pass
class C2381(C2380):
    pass
class C2382(C2381):
    pass
class C2383(C2382):
    pass
class C2384(C2383):
    pass
class C2385(C2384):
    pass
class C2386(C2385):
    pass
class C2387(C2386):
    pass
class C2388(C2387):
    pass
class C2389(C2388):
    pass
class C2390(C2389):
    pass
class C2391(C2390):
    pass
class C2392(C2391):
    pass
class C2393(C2392):
    pass
class C2394(C2393):
    pass
class C2395(C2394):
    pass
class C2396(C2395):
    pass
class C2397(C2396):
    pass
class C2398(C2397):
    pass
class C2399(C2398):
    pass
class C2400(C2399):
    pass
class C2401(C2400):
    pass
class C2402(C2401):
    pass
class C2403(C2402):
    pass
class C2404(C2403):
    pass
class C2405(C2404):
    pass
class C2406(C2405):
    pass
class C2407(C2406):
    pass
class C2408(C2407):
    pass
class C2409(C2408):
    pass
class C2410(C2409):
    pass
class C2411(C2410):
    pass
class C2412(C2411):
    pass
class C2413(C2412):
    pass
class C2414(C2413):
    pass
class C2415(C2414):
    pass
class C2416(C2415):
    pass
class C2417(C2416):
    pass
class C2418(C2417):
    pass
class C2419(C2418):
    pass
class C2420(C2419):
    pass
class C2421(C2420):
    pass
class C2422(C2421):
    pass
class C2423(C2422):
    pass
class C2424(C2423):
    pass
class C2425(C2424):
    pass
class C2426(C2425):
    pass
class C2427(C2426):
    pass
class C2428(C2427):
    pass
class C2429(C2428):
    pass
class C2430(C2429):
    pass
class C2431(C2430):
    pass
class C2432(C2431):
    pass
class C2433(C2432):
    pass
class C2434(C2433):
    pass
class C2435(C2434):
    pass
class C2436(C2435):
    pass
class C2437(C2436):
    pass
class C2438(C2437):
    pass
class C2439(C2438):
    pass
class C2440(C2439):
    pass
class C2441(C2440):
    pass
class C2442(C2441):
    pass
class C2443(C2442):
    pass
class C2444(C2443):
    pass
class C2445(C2444):
    pass
class C2446(C2445):
    pass
class C2447(C2446):
    pass
class C2448(C2447):
    pass
class C2449(C2448):
    pass
class C2450(C2449):
    pass
class C2451(C2450):
    pass
class C2452(C2451):
    pass
class C2453(C2452):
    pass
class C2454(C2453):
    pass
class C2455(C2454):
    pass
class C2456(C2455):
    pass
class C2457(C2456):
    pass
class C2458(C2457):
    pass
class C2459(C2458):
    pass
class C2460(C2459):
    pass
class C2461(C2460):
    pass
class C2462(C2461):
    pass
class C2463(C2462):
    pass
class C2464(C2463):
    pass
class C2465(C2464):
    pass
class C2466(C2465):
    pass
class C2467(C2466):
    pass
class C2468(C2467):
    pass
class C2469(C2468):
    pass
class C2470(C2469):
    pass
class C2471(C2470):
    pass
class C2472(C2471):
    pass
class C2473(C2472):
    pass
class C2474(C2473):
    pass
class C2475(C2474):
    pass
class C2476(C2475):
    pass
class C2477(C2476):
    pass
class C2478(C2477):
    pass
class C2479(C2478):
    pass
class C2480(C2479):
    pass
class C2481(C2480):
    pass
class C2482(C2481):
    pass
class C2483(C2482):
    pass
class C2484(C2483):
    pass
class C2485(C2484):
    pass
class C2486(C2485):
    pass
class C2487(C2486):
    pass
class C2488(C2487):
    pass
class C2489(C2488):
    pass
class C2490(C2489):
    pass
class C2491(C2490):
    pass
class C2492(C2491):
    pass
class C2493(C2492):
    pass
class C2494(C2493):
    pass
class C2495(C2494):
    pass
class C2496(C2495):
    pass
class C2497(C2496):
    pass
class C2498(C2497):
    pass
class C2499(C2498):
    pass
class C2500(C2499):
    pass
class C2501(C2500):
    pass
class C2502(C2501):
    pass
class C2503(C2502):
    pass
class C2504(C2503):
    pass
class C2505(C2504):
    pass
class C2506(C2505):
    pass
class C2507(C2506):
    pass
class C2508(C2507):
    pass
class C2509(C2508):
    pass
class C2510(C2509):
    pass
class C2511(C2510):
    pass
class C2512(C2511):
    pass
class C2513(C2512):
    pass
class C2514(C2513):
    pass
class C2515(C2514):
    pass
class C2516(C2515):
    pass
class C2517(C2516):
    pass
class C2518(C2517):
    pass
class C2519(C2518):
    pass
class C2520(C2519):
    pass
class C2521(C2520):
    pass
class C2522(C2521):
    pass
class C2523(C2522):
    pass
class C2524(C2523):
    pass
class C2525(C2524):
    pass
class C2526(C2525):
    pass
class C2527(C2526):
    pass
class C2528(C2527):
    pass
class C2529(C2528):
    pass
class C2530(C2529):
    pass
class C2531(C2530):
    pass
class C2532(C2531):
    pass
class C2533(C2532):
    pass
class C2534(C2533):
    pass
class C2535(C2534):
    pass
class C2536(C2535):
    pass
class C2537(C2536):
    pass
class C2538(C2537):
    pass
class C2539(C2538):
    pass
class C2540(C2539):
    pass
class C2541(C2540):
    pass
class C2542(C2541):
    pass
class C2543(C2542):
    pass
class C2544(C2543):
    pass
class C2545(C2544):
    pass
class C2546(C2545):
    pass
class C2547(C2546):
    pass
class C2548(C2547):
    pass
class C2549(C2548):
    pass
class C2550(C2549):
    pass
class C2551(C2550):
    pass
class C2552(C2551):
    pass
class C2553(C2552):
    pass
class C2554(C2553):
    pass
class C2555(C2554):
    pass
class C2556(C2555):
    pass
class C2557(C2556):
    pass
class C2558(C2557):
    pass
class C2559(C2558):
    pass
class C2560(C2559):
    pass
class C2561(C2560):
    pass
class C2562(C2561):
    pass
class C2563(C2562):
    pass
class C2564(C2563):
    pass
class C2565(C2564):
    pass
class C2566(C2565):
    pass
class C2567(C2566):
    pass
class C2568(C2567):
    pass
class C2569(C2568):
    pass
class C2570(C2569):
    pass
class C2571(C2570):
    pass
class C2572(C2571):
    pass
class C2573(C2572):
    pass
class C2574(C2573):
    pass
class C2575(C2574):
    pass
class C2576(C2575):
    pass
class C2577(C2576):
    pass
class C2578(C2577):
    pass
class C2579(C2578):
    pass
class C2580(C2579):
    pass
class C2581(C2580):
    pass
class C2582(C2581):
    pass
class C2583(C2582):
    pass
class C2584(C2583):
    pass
class C2585(C2584):
    pass
class C2586(C2585):
    pass
class C2587(C2586):
    pass
class C2588(C2587):
    pass
class C2589(C2588):
    pass
class C2590(C2589):
    pass
class C2591(C2590):
    pass
class C2592(C2591):
    pass
class C2593(C2592):
    pass
class C2594(C2593):
    pass
class C2595(C2594):
    pass
class C2596(C2595):
    pass
class C2597(C2596):
    pass
class C2598(C2597):
    pass
class C2599(C2598):
    pass
class C2600(C2599):
    pass
class C2601(C2600):
    pass
class C2602(C2601):
    pass
class C2603(C2602):
    pass
class C2604(C2603):
    pass
class C2605(C2604):
    pass
class C2606(C2605):
    pass
class C2607(C2606):
    pass
class C2608(C2607):
    pass
class C2609(C2608):
    pass
class C2610(C2609):
    pass
class C2611(C2610):
    pass
class C2612(C2611):
    pass
class C2613(C2612):
    pass
class C2614(C2613):
    pass
class C2615(C2614):
    pass
class C2616(C2615):
    pass
class C2617(C2616):
    pass
class C2618(C2617):
    pass
class C2619(C2618):
    pass
class C2620(C2619):
    pass
class C2621(C2620):
    pass
class C2622(C2621):
    pass
class C2623(C2622):
    pass
class C2624(C2623):
    pass
class C2625(C2624):
    pass
class C2626(C2625):
    pass
class C2627(C2626):
    pass
class C2628(C2627):
    pass
class C2629(C2628):
    pass
class C2630(C2629):
    pass
class C2631(C2630):
    pass
class C2632(C2631):
    pass
class C2633(C2632):
    pass
class C2634(C2633):
    pass
class C2635(C2634):
    pass
class C2636(C2635):
    pass
class C2637(C2636):
    pass
class C2638(C2637):
    pass
class C2639(C2638):
    pass
class C2640(C2639):
    pass
class C2641(C2640):
    pass
class C2642(C2641):
    pass
class C2643(C2642):
    pass
class C2644(C2643):
    pass
class C2645(C2644):
    pass
class C2646(C2645):
    pass
class C2647(C2646):
    pass
class C2648(C2647):
    pass
class C2649(C2648):
    pass
class C2650(C2649):
    pass
class C2651(C2650):
    pass
class C2652(C2651):
    pass
class C2653(C2652):
    pass
class C2654(C2653):
    pass
class C2655(C2654):
    pass
class C2656(C2655):
    pass
class C2657(C2656):
    pass
class C2658(C2657):
    pass
class C2659(C2658):
    pass
class C2660(C2659):
    pass
class C2661(C2660):
    pass
class C2662(C2661):
    pass
class C2663(C2662):
    pass
class C2664(C2663):
    pass
class C2665(C2664):
    pass
class C2666(C2665):
    pass
class C2667(C2666):
    pass
class C2668(C2667):
    pass
class C2669(C2668):
    pass
class C2670(C2669):
    pass
class C2671(C2670):
    pass
class C2672(C2671):
    pass
class C2673(C2672):
    pass
class C2674(C2673):
    pass
class C2675(C2674):
    pass
class C2676(C2675):
    pass
class C2677(C2676):
    pass
class C2678(C2677):
    pass
class C2679(C2678):
    pass
class C2680(C2679):
    pass
class C2681(C2680):
    pass
class C2682(C2681):
    pass
class C2683(C2682):
    pass
class C2684(C2683):
    pass
class C2685(C2684):
    pass
class C2686(C2685):
    pass
class C2687(C2686):
    pass
class C2688(C2687):
    pass
class C2689(C2688):
    pass
class C2690(C2689):
    pass
class C2691(C2690):
    pass
class C2692(C2691):
    pass
class C2693(C2692):
    pass
class C2694(C2693):
    pass
class C2695(C2694):
    pass
class C2696(C2695):
    pass
class C2697(C2696):
    pass
class C2698(C2697):
    pass
class C2699(C2698):
    pass
class C2700(C2699):
    pass
class C2701(C2700):
    pass
class C2702(C2701):
    pass
class C2703(C2702):
    pass
class C2704(C2703):
    pass
class C2705(C2704):
    pass
class C2706(C2705):
    pass
class C2707(C2706):
    pass
class C2708(C2707):
    pass
class C2709(C2708):
    pass
class C2710(C2709):
    pass
class C2711(C2710):
    pass
class C2712(C2711):
    pass
class C2713(C2712):
    pass
class C2714(C2713):
    pass
class C2715(C2714):
    pass
class C2716(C2715):
    pass
class C2717(C2716):
    pass
class C2718(C2717):
    pass
class C2719(C2718):
    pass
class C2720(C2719):
    pass
class C2721(C2720):
    pass
class C2722(C2721):
    pass
class C2723(C2722):
    pass
class C2724(C2723):
    pass
class C2725(C2724):
    pass
class C2726(C2725):
    pass
class C2727(C2726):
    pass
class C2728(C2727):
    pass
class C2729(C2728):
    pass
class C2730(C2729):
    pass
class C2731(C2730):
    pass
class C2732(C2731):
    pass
class C2733(C2732):
    pass
class C2734(C2733):
    pass
class C2735(C2734):
    pass
class C2736(C2735):
    pass
class C2737(C2736):
    pass
class C2738(C2737):
    pass
class C2739(C2738):
    pass
class C2740(C2739):
    pass
class C2741(C2740):
    pass
class C2742(C2741):
    pass
class C2743(C2742):
    pass
class C2744(C2743):
    pass
class C2745(C2744):
    pass
class C2746(C2745):
    pass
class C2747(C2746):
    pass
class C2748(C2747):
    pass
class C2749(C2748):
    pass
class C2750(C2749):
    pass
class C2751(C2750):
    pass
class C2752(C2751):
    pass
class C2753(C2752):
    pass
class C2754(C2753):
    pass
class C2755(C2754):
    pass
class C2756(C2755):
    pass
class C2757(C2756):
    pass
class C2758(C2757):
    pass
class C2759(C2758):
    pass
class C2760(C2759):
    pass
class C2761(C2760):
    pass
class C2762(C2761):
    pass
class C2763(C2762):
    pass
class C2764(C2763):
    pass
class C2765(C2764):
    pass
class C2766(C2765):
    pass
class C2767(C2766):
    pass
class C2768(C2767):
    pass
class C2769(C2768):
    pass
class C2770(C2769):
    pass
class C2771(C2770):
    pass
class C2772(C2771):
    pass
class C2773(C2772):
    pass
class C2774(C2773):
    pass
class C2775(C2774):
    pass
class C2776(C2775):
    pass
class C2777(C2776):
    pass
class C2778(C2777):
    pass
class C2779(C2778):
    pass
class C2780(C2779):
    pass
class C2781(C2780):
    pass
class C2782(C2781):
    pass
class C2783(C2782):
    pass
class C2784(C2783):
    pass
class C2785(C2784):
    pass
class C2786(C2785):
    pass
class C2787(C2786):
    pass
class C2788(C2787):
    pass
class C2789(C2788):
    pass
class C2790(C2789):
    pass
class C2791(C2790):
    pass
class C2792(C2791):
    pass
class C2793(C2792):
    pass
class C2794(C2793):
    pass
class C2795(C2794):
    pass
class C2796(C2795):
    pass
class C2797(C2796):
    pass
class C2798(C2797):
    pass
class C2799(C2798):
    pass
class C2800(C2799):
    pass
class C2801(C2800):
    pass
class C2802(C2801):
    pass
class C2803(C2802):
    pass
class C2804(C2803):
    pass
class C2805(C2804):
    pass
class C2806(C2805):
    pass
class C2807(C2806):
    pass
class C2808(C2807):
    pass
class C2809(C2808):
    pass
class C2810(C2809):
    pass
class C2811(C2810):
    pass
class C2812(C2811):
    pass
class C2813(C2812):
    pass
class C2814(C2813):
    pass
class C2815(C2814):
    pass
class C2816(C2815):
    pass
class C2817(C2816):
    pass
class C2818(C2817):
    pass
class C2819(C2818):
    pass
class C2820(C2819):
    pass
class C2821(C2820):
    pass
class C2822(C2821):
    pass
class C2823(C2822):
    pass
class C2824(C2823):
    pass
class C2825(C2824):
    pass
class C2826(C2825):
    pass
class C2827(C2826):
    pass
class C2828(C2827):
    pass
class C2829(C2828):
    pass
class C2830(C2829):
    pass
class C2831(C2830):
    pass
class C2832(C2831):
    pass
class C2833(C2832):
    pass
class C2834(C2833):
    pass
class C2835(C2834):
    pass
class C2836(C2835):
    pass
class C2837(C2836):
    pass
class C2838(C2837):
    pass
class C2839(C2838):
    pass
class C2840(C2839):
    pass
class C2841(C2840):
    pass
class C2842(C2841):
    pass
class C2843(C2842):
    pass
class C2844(C2843):
    pass
class C2845(C2844):
    pass
class C2846(C2845):
    pass
class C2847(C2846):
    pass
class C2848(C2847):
    pass
class C2849(C2848):
    pass
class C2850(C2849):
    pass
class C2851(C2850):
    pass
class C2852(C2851):
    pass
class C2853(C2852):
    pass
class C2854(C2853):
    pass
class C2855(C2854):
    pass
class C2856(C2855):
    pass
class C2857(C2856):
    pass
class C2858(C2857):
    pass
class C2859(C2858):
    pass
class C2860(C2859):
    pass
class C2861(C2860):
    pass
class C2862(C2861):
    pass
class C2863(C2862):
    pass
class C2864(C2863):
    pass
class C2865(C2864):
    pass
class C2866(C2865):
    pass
class C2867(C2866):
    pass
class C2868(C2867):
    pass
class C2869(C2868):
    pass
class C2870(C2869):
    pass
class C2871(C2870):
    pass
class C2872(C2871):
    pass
class C2873(C2872):
    pass
class C2874(C2873):
    pass
class C2875(C2874):
    pass
class C2876(C2875):
    pass
class C2877(C2876):
    pass
class C2878(C2877):
    pass
class C2879(C2878):
    pass
class C2880(C2879):
    pass
class C2881(C2880):
    pass
class C2882(C2881):
    pass
class C2883(C2882):
    pass
class C2884(C2883):
    pass
class C2885(C2884):
    pass
class C2886(C2885):
    pass
class C2887(C2886):
    pass
class C2888(C2887):
    pass
class C2889(C2888):
    pass
class C2890(C2889):
    pass
class C2891(C2890):
    pass
class C2892(C2891):
    pass
class C2893(C2892):
    pass
class C2894(C2893):
    pass
class C2895(C2894):
    pass
class C2896(C2895):
    pass
class C2897(C2896):
    pass
class C2898(C2897):
    pass
class C2899(C2898):
    pass
class C2900(C2899):
    pass
class C2901(C2900):
    pass
class C2902(C2901):
    pass
class C2903(C2902):
    pass
class C2904(C2903):
    pass
class C2905(C2904):
    pass
class C2906(C2905):
    pass
class C2907(C2906):
    pass
class C2908(C2907):
    pass
class C2909(C2908):
    pass
class C2910(C2909):
    pass
class C2911(C2910):
    pass
class C2912(C2911):
    pass
class C2913(C2912):
    pass
class C2914(C2913):
    pass
class C2915(C2914):
    pass
class C2916(C2915):
    pass
class C2917(C2916):
    pass
class C2918(C2917):
    pass
class C2919(C2918):
    pass
class C2920(C2919):
    pass
class C2921(C2920):
    pass
class C2922(C2921):
    pass
class C2923(C2922):
    pass
class C2924(C2923):
    pass
class C2925(C2924):
    pass
class C2926(C2925):
    pass
class C2927(C2926):
    pass
class C2928(C2927):
    pass
class C2929(C2928):
    pass
class C2930(C2929):
    pass
class C2931(C2930):
    pass
class C2932(C2931):
    pass
class C2933(C2932):
    pass
class C2934(C2933):
    pass
class C2935(C2934):
    pass
class C2936(C2935):
    pass
class C2937(C2936):
    pass
class C2938(C2937):
    pass
class C2939(C2938):
    pass
class C2940(C2939):
    pass
class C2941(C2940):
    pass
class C2942(C2941):
    pass
class C2943(C2942):
    pass
class C2944(C2943):
    pass
class C2945(C2944):
    pass
class C2946(C2945):
    pass
class C2947(C2946):
    pass
class C2948(C2947):
    pass
class C2949(C2948):
    pass
class C2950(C2949):
    pass
class C2951(C2950):
    pass
class C2952(C2951):
    pass
class C2953(C2952):
    pass
class C2954(C2953):
    pass
class C2955(C2954):
    pass
class C2956(C2955):
    pass
class C2957(C2956):
    pass
class C2958(C2957):
    pass
class C2959(C2958):
    pass
class C2960(C2959):
    pass
class C2961(C2960):
    pass
class C2962(C2961):
    pass
class C2963(C2962):
    pass
class C2964(C2963):
    pass
class C2965(C2964):
    pass
class C2966(C2965):
    pass
class C2967(C2966):
    pass
class C2968(C2967):
    pass
class C2969(C2968):
    pass
class C2970(C2969):
    pass
class C2971(C2970):
    pass
class C2972(C2971):
    pass
class C2973(C2972):
    pass
class C2974(C2973):
    pass
class C2975(C2974):
    pass
class C2976(C2975):
    pass
class C2977(C2976):
    pass
class C2978(C2977):
    pass
class C2979(C2978):
    pass
class C2980(C2979):
    pass
class C2981(C2980):
    pass
class C2982(C2981):
    pass
class C2983(C2982):
    pass
class C2984(C2983):
    pass
class C2985(C2984):
    pass
class C2986(C2985):
    pass
class C2987(C2986):
    pass
class C2988(C2987):
    pass
class C2989(C2988):
    pass
class C2990(C2989):
    pass
class C2991(C2990):
    pass
class C2992(C2991):
    pass
class C2993(C2992):
    pass
class C2994(C2993):
    pass
class C2995(C2994):
    pass
class C2996(C2995):
    pass
class C2997(C2996):
    pass
class C2998(C2997):
    pass
class C2999(C2998):
    pass
C2999.sync_get(pk=1)
